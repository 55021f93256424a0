/**
 * Snapshots of a directory tree, to compare e.g. an extracted archive with its source:
 *   expect(await snapshotTree(extracted)).to.deep.equal(await snapshotTree(source))
 * or, for a readable list of differences: expect(diffSnapshots(a, b)).to.deep.equal([]).
 */
import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {lstat, readdir, readlink} from 'node:fs/promises'
import path from 'node:path'
import type {Stats} from 'node:fs'

export type EntryType = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'char' | 'block' | 'other'

export interface TreeEntry {
  /** Relative to the snapshot root, '/'-separated; the root itself is '.' (only with includeRoot). */
  path: string
  type: EntryType
  /** Permission bits including setuid/setgid/sticky (st_mode & 0o7777). */
  mode: number
  uid: number
  gid: number
  /** Bytes for files, target length for symlinks, 0 otherwise (directory sizes are fs noise). */
  size: number
  /** Modification time truncated to whole seconds (tar keeps seconds), in milliseconds. */
  mtimeMs: number
  /** Files only. */
  sha256?: string
  /** Symlinks only. */
  linkTarget?: string
}

export interface SnapshotOptions {
  /** Include the root directory itself as '.' (default false: its name/mode/mtime are usually
   * the extraction's, not the archive's). */
  includeRoot?: boolean
  /** Skip entries (and, for directories, everything below) whose relative path matches. */
  ignore?: (relPath: string, entry: TreeEntry) => boolean
}

function typeOf(st: Stats): EntryType {
  if (st.isFile()) return 'file'
  if (st.isDirectory()) return 'dir'
  if (st.isSymbolicLink()) return 'symlink'
  if (st.isFIFO()) return 'fifo'
  if (st.isSocket()) return 'socket'
  if (st.isCharacterDevice()) return 'char'
  if (st.isBlockDevice()) return 'block'
  return 'other'
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function entryFor(abs: string, rel: string): Promise<TreeEntry> {
  const st = await lstat(abs)
  const type = typeOf(st)
  const entry: TreeEntry = {
    path: rel,
    type,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    size: type === 'file' || type === 'symlink' ? st.size : 0,
    mtimeMs: Math.floor(st.mtimeMs / 1000) * 1000,
  }
  if (type === 'file') entry.sha256 = await sha256File(abs)
  if (type === 'symlink') entry.linkTarget = await readlink(abs)
  return entry
}

/** All entries below `dir` (symlinks not followed), sorted by path (code-unit order). */
export async function snapshotTree(dir: string, opts: SnapshotOptions = {}): Promise<TreeEntry[]> {
  const root = path.resolve(dir)
  const out: TreeEntry[] = []
  const rootEntry = await entryFor(root, '.')
  if (rootEntry.type !== 'dir') throw new Error(`snapshotTree: not a directory: ${root}`)
  if (opts.includeRoot) out.push(rootEntry)

  async function walk(abs: string, rel: string): Promise<void> {
    const names = (await readdir(abs)).sort()
    for (const name of names) {
      const childRel = rel ? `${rel}/${name}` : name
      const childAbs = path.join(abs, name)
      const entry = await entryFor(childAbs, childRel)
      if (opts.ignore?.(childRel, entry)) continue
      out.push(entry)
      if (entry.type === 'dir') await walk(childAbs, childRel)
    }
  }

  await walk(root, '')
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/**
 * Human-readable differences between two snapshots ([] when equal), optionally ignoring fields:
 *   expect(diffSnapshots(got, want, {ignoreFields: ['mtimeMs']})).to.deep.equal([])
 */
export function diffSnapshots(
  actual: TreeEntry[],
  expected: TreeEntry[],
  opts: {ignoreFields?: (keyof TreeEntry)[]} = {},
): string[] {
  const ignore = new Set<string>(opts.ignoreFields ?? [])
  const a = new Map(actual.map((e) => [e.path, e]))
  const b = new Map(expected.map((e) => [e.path, e]))
  const diffs: string[] = []
  const fmt = (k: string, v: unknown) => (k === 'mode' && typeof v === 'number' ? `0${v.toString(8)}` : JSON.stringify(v))
  for (const p of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(p)
    const y = b.get(p)
    if (!x) {
      diffs.push(`${p}: missing (expected ${y!.type})`)
      continue
    }

    if (!y) {
      diffs.push(`${p}: unexpected ${x.type}`)
      continue
    }

    for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
      if (ignore.has(key)) continue
      const xv = (x as unknown as Record<string, unknown>)[key]
      const yv = (y as unknown as Record<string, unknown>)[key]
      if (xv !== yv) diffs.push(`${p}: ${key} ${fmt(key, xv)} != expected ${fmt(key, yv)}`)
    }
  }

  return diffs
}
