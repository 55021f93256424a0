// backupbot's snapshots in a repository, read back into items and versions. One `restic
// snapshots --json` gives everything: the manifest snapshots' tags carry the manifests, and each
// is matched with its data snapshot by write id. A manifest whose data snapshot is gone is still
// listed, with `error`, so damage is never hidden; a data snapshot without a manifest (an
// interrupted write) is not a version.
import type {ItemListing, Manifest, VersionListing} from 'backupbot'

import {type Identity, MARK, manifestFrom, readTags} from './tags.js'

/** A snapshot as `restic snapshots --json` prints it. */
export interface Snapshot {
  id: string
  short_id: string
  time: string
  hostname: string
  paths: string[]
  tags?: string[] | null
}

/** A version with what the store needs to read it. */
export interface StoredVersion extends VersionListing {
  host: string
  write: string
  /** The data's path inside its snapshot. */
  path?: string
}

export interface Item extends ItemListing {
  host: string
  identity: Identity
  versions: StoredVersion[]
}

/** Groups backupbot's snapshots into items (sorted by host, project, service, folder, item), versions newest first. */
export function itemsOf(snapshots: Snapshot[], where: (snapshot: Snapshot) => string): Item[] {
  const data = new Map<string, Snapshot>()
  const manifests: Array<{snapshot: Snapshot; values: Record<string, string>}> = []
  for (const snapshot of snapshots) {
    if (!snapshot.tags?.includes(MARK)) continue
    const values = readTags(snapshot.tags)
    if (values.write === undefined) continue
    if (values.kind === 'data') data.set(`${snapshot.hostname}\n${values.write}`, snapshot)
    else if (values.kind === 'manifest') manifests.push({snapshot, values})
  }
  const items = new Map<string, {item: Item; found: Array<{committed: string; version: StoredVersion}>}>()
  for (const {snapshot, values} of manifests) {
    const identity = {project: values.project ?? '', service: values.service ?? '', folder: values.folder ?? '', item: values.item ?? ''}
    const key = JSON.stringify([snapshot.hostname, identity.project, identity.service, identity.folder, identity.item])
    let entry = items.get(key)
    if (!entry) {
      const item = {host: snapshot.hostname, project: identity.project, service: identity.service, folder: identity.folder, item: identity.item, identity, dir: where(snapshot), versions: []}
      entry = {item, found: []}
      items.set(key, entry)
    }
    // Ordered by the time the version was committed (its manifest snapshot).
    entry.found.push({committed: snapshot.time, version: versionOf(snapshot, values, data.get(`${snapshot.hostname}\n${values.write}`), where)})
  }
  const sorted = [...items.values()].sort((a, b) => compare(sortKey(a.item), sortKey(b.item)))
  for (const {item, found} of sorted) {
    item.versions = found.sort((a, b) => Date.parse(b.committed) - Date.parse(a.committed)).map(({version}, i) => ({...version, number: i + 1}))
  }
  return sorted.map(({item}) => item)
}

function sortKey(item: Item): string[] {
  return [item.host, item.identity.project, item.service, item.folder, item.item]
}

function versionOf(snapshot: Snapshot, values: Record<string, string>, data: Snapshot | undefined, where: (s: Snapshot) => string): StoredVersion {
  const manifest: Manifest | undefined = manifestFrom(values)
  const version: StoredVersion = {number: 0, dir: where(data ?? snapshot), host: snapshot.hostname, write: values.write!}
  if (!manifest) return {...version, error: `manifest snapshot ${snapshot.short_id} lacks backupbot's tags`}
  Object.assign(version, {manifest, created: manifest.created, bytes: manifest.bytes, sha256: manifest.sha256})
  if (!data) return {...version, error: `its data snapshot is gone (manifest snapshot ${snapshot.short_id}): the version cannot be restored`}
  return {...version, snapshot: data.id, path: manifest.file, file: `${data.short_id}:${manifest.file}`}
}

function compare(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1
  }
  return 0
}

/** Data snapshots with no manifest: interrupted writes. */
export function orphans(snapshots: Snapshot[]): Array<{snapshot: Snapshot; pid?: number}> {
  const committed = new Set<string>()
  for (const s of snapshots) {
    const values = readTags(s.tags)
    if (values.kind === 'manifest' && values.write) committed.add(`${s.hostname}\n${values.write}`)
  }
  return snapshots.flatMap((snapshot) => {
    const values = readTags(snapshot.tags)
    if (values.kind !== 'data' || !values.write || committed.has(`${snapshot.hostname}\n${values.write}`)) return []
    return [{snapshot, ...(values.pid && /^\d+$/.test(values.pid) ? {pid: Number(values.pid)} : {})}]
  })
}
