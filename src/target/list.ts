// Reads the backup tree back: every item with its versions and what their manifests say.
// Read-only. Dot entries (temp, trash, the lock) are not versions and are skipped; a version
// whose manifest cannot be read is still listed, with `error`, so damage is never hidden.
import {readFile, readdir} from 'node:fs/promises'
import {join} from 'node:path'

import type {Manifest} from '../scheme.js'
import type {ItemListing, VersionListing} from '../store.js'
import {decodeName, encodeName, MANIFEST} from './layout.js'
import {scanVersions} from './versions.js'

export type {ItemListing, VersionListing} from '../store.js'

/** Lists `<target>/<service>/<folder>/<item>/` and their versions. [] if target does not exist. */
export async function listVersions(target: string, filter: {service?: string} = {}): Promise<ItemListing[]> {
  const services = filter.service === undefined ? await subdirs(target) : (await subdirs(target)).filter((s) => s === encodeName(filter.service!))
  const listings: ItemListing[] = []
  for (const service of sortByDecoded(services)) {
    for (const folder of sortByDecoded(await subdirs(join(target, service)))) {
      for (const item of sortByDecoded(await subdirs(join(target, service, folder)))) {
        listings.push(await listItem(join(target, service, folder, item), service, folder, item))
      }
    }
  }
  return listings
}

async function listItem(dir: string, service: string, folder: string, item: string): Promise<ItemListing> {
  const names = [service, folder, item].map(decodeLenient)
  const bad = [service, folder, item].filter((_, i) => names[i].error)
  const listing: ItemListing = {service: names[0].name, folder: names[1].name, item: names[2].name, dir, versions: []}
  if (bad.length > 0) listing.error = `not a backupbot folder name: ${bad.map((b) => JSON.stringify(b)).join(', ')}`
  for (const version of await scanVersions(dir, item)) {
    listing.versions.push(await readVersion(join(dir, version.name), version.number))
  }
  return listing
}

/** The manifest's descriptive fields (Manifest in src/scheme.ts); the others are checked below. */
const DESCRIPTIVE = ['project', 'service', 'scheme', 'item', 'source', 'backupbot'] as const

/** One version folder as its manifest describes it; `error` says what is missing or unreadable. */
export async function readVersion(dir: string, number: number): Promise<VersionListing> {
  const version: VersionListing = {number, dir}
  let manifest: Record<string, unknown>
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8'))
    if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw new Error('not a JSON object')
  } catch (error) {
    version.error = `${MANIFEST} unreadable: ${(error as Error).message}`
    return version
  }
  // What it says of the item is only descriptive: a field a hand-made manifest lacks reads ''.
  const described = Object.fromEntries(DESCRIPTIVE.map((key) => [key, typeof manifest[key] === 'string' ? manifest[key] : '']))
  version.manifest = {...manifest, ...described} as unknown as Manifest
  const {created, bytes, sha256, file} = manifest
  if (typeof created === 'string') version.created = created
  if (typeof bytes === 'number') version.bytes = bytes
  if (typeof sha256 === 'string') version.sha256 = sha256
  // `file` comes from disk: only a plain name inside the version dir is trusted.
  if (typeof file === 'string' && file !== '' && file !== '.' && file !== '..' && !/[/\\\0]/.test(file)) version.file = join(dir, file)
  const missing = ['created', 'bytes', 'sha256', 'file'].filter((k) => version[k as keyof VersionListing] === undefined)
  if (missing.length > 0) version.error = `${MANIFEST} lacks a valid ${missing.join(', ')}`
  return version
}

/** Non-dot subdirectories (symlinks are not followed); [] when dir is missing. */
async function subdirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, {withFileTypes: true})
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

function decodeLenient(segment: string): {name: string; error?: boolean} {
  try {
    return {name: decodeName(segment)}
  } catch {
    return {name: segment, error: true}
  }
}

/** By decoded name, code-unit order: stable across locales. */
function sortByDecoded(segments: string[]): string[] {
  const key = (s: string) => decodeLenient(s).name
  return [...segments].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a < b ? -1 : a > b ? 1 : 0))
}
