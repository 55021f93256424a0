// Test helpers: raw tar archives (to build hostile ones), packPath archives on disk, and
// snapshots of directory trees that compare everything a restore must keep.
import {createHash} from 'node:crypto'
import {createWriteStream} from 'node:fs'
import {lstat, mkdtemp, readFile, readdir, readlink, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {pipeline} from 'node:stream/promises'
import {gzipSync} from 'node:zlib'

import {Header, type HeaderData} from 'tar'

import {packPath} from '../../src/archive/pack-path.js'
import {parallelGzip} from '../../src/archive/parallel-blocks.js'

export interface RawEntry extends HeaderData {
  body?: string | Buffer
}

/** A plain tar built header by header, with nothing checked: hostile archives welcome. */
export function rawTar(entries: RawEntry[], options: {end?: boolean} = {}): Buffer {
  const blocks: Buffer[] = []
  for (const {body, ...data} of entries) {
    const content = body === undefined ? Buffer.alloc(0) : Buffer.from(body)
    const header = new Header({mode: 0o644, uid: 0, gid: 0, mtime: new Date('2021-03-04T05:06:07Z'), size: content.length, ...data})
    const block = Buffer.alloc(512)
    header.encode(block, 0)
    blocks.push(block, content, Buffer.alloc((512 - (content.length % 512)) % 512))
  }
  if (options.end !== false) blocks.push(Buffer.alloc(1024))
  return Buffer.concat(blocks)
}

export function rawTarGz(entries: RawEntry[]): Buffer {
  return gzipSync(rawTar(entries))
}

/** packPath's tar of `source`, gzipped as a backup stores it, written to `file`. */
export async function packToFile(source: string, file: string): Promise<string> {
  await pipeline(packPath(source), parallelGzip(), createWriteStream(file))
  return file
}

export async function tempDir(prefix: string): Promise<{dir: string; cleanup: () => Promise<void>}> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix))
  return {dir, cleanup: () => rm(dir, {recursive: true, force: true})}
}

export async function writeGz(file: string, content: Buffer): Promise<string> {
  await writeFile(file, content)
  return file
}

export interface EntrySnapshot {
  type: string
  mode: number
  uid: number
  gid: number
  /** Whole seconds, as tar keeps them. */
  mtime: number
  content?: string
  target?: string
  /** For files with several links: the first path of the group. */
  linkedTo?: string
  rdev?: number
}

/**
 * Everything a restore must keep, by path relative to `root` ('' is the root itself), for
 * deep-equal comparisons.
 */
export async function snapshot(root: string): Promise<Record<string, EntrySnapshot>> {
  const result: Record<string, EntrySnapshot> = {}
  const inodes = new Map<number, string>()
  async function visit(relative: string): Promise<void> {
    const absolute = relative === '' ? root : path.join(root, relative)
    const stats = await lstat(absolute)
    const type = stats.isDirectory()
      ? 'directory'
      : stats.isSymbolicLink()
        ? 'symlink'
        : stats.isFile()
          ? 'file'
          : stats.isFIFO()
            ? 'fifo'
            : stats.isCharacterDevice()
              ? 'char'
              : 'other'
    const entry: EntrySnapshot = {
      type,
      mode: stats.mode & 0o7777,
      uid: stats.uid,
      gid: stats.gid,
      mtime: Math.floor(stats.mtimeMs / 1000),
    }
    if (stats.isSymbolicLink()) entry.target = await readlink(absolute)
    if (stats.isFile()) {
      entry.content = createHash('sha256').update(await readFile(absolute)).digest('hex')
      if (stats.nlink > 1) {
        const first = inodes.get(stats.ino)
        if (first === undefined) inodes.set(stats.ino, relative)
        else entry.linkedTo = first
      }
    }
    if (stats.isCharacterDevice() || stats.isBlockDevice()) entry.rdev = stats.rdev
    result[relative] = entry
    if (stats.isDirectory()) {
      for (const name of (await readdir(absolute)).sort()) await visit(relative === '' ? name : `${relative}/${name}`)
    }
  }
  await visit('')
  return result
}

/** Names of leftover staging directories in `dir`. */
export async function stagingLeftovers(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('.backupbot-restore-'))
}
