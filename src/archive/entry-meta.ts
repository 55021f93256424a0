// What node-tar's Unpack leaves wrong, put right after it has written everything: modes (it
// creates files through the process umask, forces u+rwx on directories, and its chown clears
// set-uid bits), owners and mtimes of symlinks (it sets neither), the mtimes of directories
// (set when each directory is made, then changed by writing its contents), and device nodes
// and FIFOs (it does not make them at all).
import {execFile} from 'node:child_process'
import {lstat, chmod, lchown, lutimes, mkdir, utimes} from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'

import type {ReadEntry} from 'tar'

import type {CheckedEntry, EntryKind} from './tar-rules.js'

const run = promisify(execFile)

export interface EntryMeta {
  kind: EntryKind
  mode?: number
  uid?: number
  gid?: number
  atime?: Date
  mtime?: Date
  /** For device nodes and FIFOs: what mknod needs. */
  node?: {type: 'c' | 'b' | 'p'; major: number; minor: number}
}

/**
 * The entries whose metadata must be applied after node-tar, by archive path, the last entry
 * for a path winning. Only those node-tar may get wrong are kept, to bound memory: every
 * directory, symlink and special file, and the files whose mode the umask or a chown changes.
 */
export class MetaRecords {
  private readonly records = new Map<string, EntryMeta>()
  private readonly umask = process.umask()

  add(checked: CheckedEntry, entry: ReadEntry): void {
    this.records.delete(checked.path)
    // A hard link shares its target's inode, whose metadata its own entry would overwrite.
    if (entry.type === 'Link') return
    const mode = entry.mode === undefined ? undefined : entry.mode & 0o7777
    if (checked.kind === 'file' && mode !== undefined && (mode & this.umask) === 0 && (mode & 0o7000) === 0) return
    const meta: EntryMeta = {kind: checked.kind, mode, uid: entry.uid, gid: entry.gid, atime: entry.atime, mtime: entry.mtime}
    if (checked.kind === 'special') {
      const type = entry.type === 'CharacterDevice' ? 'c' : entry.type === 'BlockDevice' ? 'b' : 'p'
      meta.node = {type, major: entry.header.devmaj ?? 0, minor: entry.header.devmin ?? 0}
    }
    this.records.set(checked.path, meta)
  }

  /** Device nodes and FIFOs, to make after node-tar (which skips them). */
  specials(): Array<[string, EntryMeta]> {
    return [...this.records].filter(([, meta]) => meta.kind === 'special')
  }

  /**
   * The records in the order to apply them: non-directories, then directories by depth, deepest
   * first, so a directory's mode and mtime are set after everything inside it. Items of one
   * phase may be applied at the same time.
   */
  phases(): Array<Array<[string, EntryMeta]>> {
    const others: Array<[string, EntryMeta]> = []
    const byDepth = new Map<number, Array<[string, EntryMeta]>>()
    for (const record of this.records) {
      if (record[1].kind !== 'directory') {
        others.push(record)
        continue
      }
      const depth = record[0].split('/').length
      const group = byDepth.get(depth)
      if (group) group.push(record)
      else byDepth.set(depth, [record])
    }
    const directories = [...byDepth].sort((a, b) => b[0] - a[0]).map(([, records]) => records)
    return [others, ...directories]
  }
}

/** mknod (coreutils) for a checked device node or FIFO; node has no mknod. */
export async function makeSpecial(root: string, relative: string, meta: EntryMeta): Promise<void> {
  const target = path.join(root, relative)
  await mkdir(path.dirname(target), {recursive: true})
  const node = meta.node!
  const args = node.type === 'p' ? [target, 'p'] : [target, node.type, String(node.major), String(node.minor)]
  await run('mknod', ['--', ...args])
}

/**
 * Sets owner (as root), mode and times as archived, without following a symlink: the path is
 * checked (no symlink above it, see EntryRules) and its own type must be the archived one.
 */
export async function applyMeta(root: string, relative: string, meta: EntryMeta, options: {owner: boolean}): Promise<void> {
  const target = path.join(root, relative)
  const stat = await lstat(target)
  const isSymlink = stat.isSymbolicLink()
  const expected = meta.kind === 'symlink' ? isSymlink : meta.kind === 'directory' ? stat.isDirectory() : !isSymlink && !stat.isDirectory()
  if (!expected) throw new Error(`${relative} is not the ${meta.kind} the archive holds after extraction`)

  // chown before chmod: chown clears set-uid and set-gid bits.
  const uid = meta.uid ?? stat.uid
  const gid = meta.gid ?? stat.gid
  if (options.owner && (uid !== stat.uid || gid !== stat.gid)) await lchown(target, uid, gid)
  if (!isSymlink && meta.mode !== undefined && (stat.mode & 0o7777) !== meta.mode) await chmod(target, meta.mode)
  if (meta.mtime) {
    const atime = meta.atime ?? new Date()
    if (isSymlink) await lutimes(target, atime, meta.mtime)
    else await utimes(target, atime, meta.mtime)
  }
}
