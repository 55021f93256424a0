// The rules every tar entry must pass before anything is written, shared by scanTar (which reads
// the whole archive first) and by the extraction itself (which checks each entry again as it
// goes, in case the file changed in between). The rules are stateful: whether `data/link/x` is
// safe depends on what `data/link` became earlier in the archive.

/** What an entry creates on disk. A hard link is what its target is. */
export type EntryKind = 'directory' | 'file' | 'symlink' | 'special'

/** The part of node-tar's ReadEntry the rules read. */
export interface TarEntryLike {
  path: string
  type: string
  linkpath?: string
  size?: number
}

export interface CheckedEntry {
  /** The path without `.` or empty segments nor a trailing slash (`data/a.txt`). */
  path: string
  kind: EntryKind
  /** For a hard link: the normalised path of its target. */
  linkTarget?: string
}

export interface RuleOptions {
  /** Allow character and block devices and FIFOs. */
  devices: boolean
  /** The top-level name every entry must be, or be under. */
  root?: string
}

/** An entry that the rules refuse: the archive is hostile or broken. */
class ArchiveEntryError extends Error {
  constructor(
    readonly entry: string,
    reason: string,
  ) {
    super(`refusing archive entry ${JSON.stringify(entry)}: ${reason}`)
    this.name = 'ArchiveEntryError'
  }
}

const kindOfType: Record<string, EntryKind | undefined> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'directory',
  GNUDumpDir: 'directory',
  SymbolicLink: 'symlink',
  CharacterDevice: 'special',
  BlockDevice: 'special',
  FIFO: 'special',
}

/**
 * Splits a tar path into its segments, refusing what could leave the extraction directory.
 * `.` and empty segments are dropped, as path.resolve (which node-tar writes through) does.
 */
export function entrySegments(raw: string, entry: string, what = 'path'): string[] {
  if (raw.includes('\0')) throw new ArchiveEntryError(entry, `its ${what} contains a NUL byte`)
  if (raw.startsWith('/')) throw new ArchiveEntryError(entry, `its ${what} is absolute`)
  const segments = raw.split('/').filter((segment) => segment !== '' && segment !== '.')
  if (segments.includes('..')) throw new ArchiveEntryError(entry, `its ${what} contains a '..' segment`)
  if (segments.length === 0) throw new ArchiveEntryError(entry, `its ${what} names no file`)
  return segments
}

export class EntryRules {
  /** The common first path component, once an entry has been seen. */
  root: string | undefined
  /** Kind of the root entry itself, if the archive lists it. */
  rootKind: EntryKind | undefined
  /**
   * What each path currently is, after the entries so far. Directories are left out (a path
   * not in the map is a directory or not there yet), which keeps the map to what the checks
   * need: symlinks and non-directories (ancestors, hard link targets).
   */
  private readonly kinds = new Map<string, Exclude<EntryKind, 'directory'>>()

  constructor(private readonly options: RuleOptions) {
    this.root = options.root
  }

  /** Throws an ArchiveEntryError if the entry is refused; else records it and says what it is. */
  check(entry: TarEntryLike): CheckedEntry {
    const name = entry.path
    const typeKind = entry.type === 'Link' ? undefined : kindOfType[entry.type]
    if (entry.type !== 'Link' && typeKind === undefined) {
      throw new ArchiveEntryError(name, `unsupported entry type ${entry.type}`)
    }
    const segments = entrySegments(name, name)
    const path = segments.join('/')
    this.checkRoot(name, segments[0])
    this.checkAncestors(name, segments, 'it')

    let kind: EntryKind
    let linkTarget: string | undefined
    if (entry.type === 'Link') {
      linkTarget = this.hardLinkTarget(name, path, entry.linkpath ?? '')
      kind = this.kinds.get(linkTarget)!
    } else {
      kind = typeKind!
      if (kind === 'special' && !this.options.devices) {
        throw new ArchiveEntryError(
          name,
          `it is a device node or FIFO (${entry.type}); those are only restored with --devices, as root`,
        )
      }
      // A symlink may point anywhere (absolute targets are common); only writing through it
      // is refused, by checkAncestors on later entries.
      if (kind === 'symlink' && (entry.linkpath ?? '').includes('\0')) {
        throw new ArchiveEntryError(name, 'its link target contains a NUL byte')
      }
    }

    // Restored, it would make the destination (a bind mount's source) point anywhere on the host.
    if (segments.length === 1 && kind === 'symlink') {
      throw new ArchiveEntryError(name, 'the top-level entry is a symbolic link')
    }

    if (kind === 'directory') this.kinds.delete(path)
    else this.kinds.set(path, kind)
    if (segments.length === 1) this.rootKind = kind
    return {path, kind, linkTarget}
  }

  private checkRoot(name: string, first: string): void {
    if (this.root === undefined) {
      this.root = first
    } else if (first !== this.root) {
      const why = this.options.root === undefined ? 'the archive has more than one top-level entry' : 'expected every entry'
      throw new ArchiveEntryError(name, `it is outside ${JSON.stringify(this.root)} (${why} to be ${this.root} or under ${this.root}/)`)
    }
  }

  /** Every directory an entry is written into must be a real directory, never a symlink. */
  private checkAncestors(name: string, segments: string[], subject: string): void {
    let prefix = ''
    for (let index = 0; index < segments.length - 1; index++) {
      prefix = index === 0 ? segments[0] : `${prefix}/${segments[index]}`
      const kind = this.kinds.get(prefix)
      if (kind === 'symlink') {
        const link = JSON.stringify(prefix)
        throw new ArchiveEntryError(name, `${subject} would be written through the symbolic link ${link} created earlier in the archive`)
      }
      if (kind !== undefined) {
        throw new ArchiveEntryError(name, `${subject} is inside ${JSON.stringify(prefix)}, which is not a directory`)
      }
    }
  }

  /** A hard link may only point to an earlier non-directory entry of the archive. */
  private hardLinkTarget(name: string, path: string, linkpath: string): string {
    if (linkpath === '') throw new ArchiveEntryError(name, 'it is a hard link without a target')
    const segments = entrySegments(linkpath, name, 'hard link target')
    const target = segments.join('/')
    this.checkAncestors(name, segments, 'its hard link target')
    const kind = this.kinds.get(target)
    if (kind === undefined) {
      throw new ArchiveEntryError(name, `its hard link target ${JSON.stringify(linkpath)} is not an earlier file of the archive`)
    }
    if (target === path) throw new ArchiveEntryError(name, 'it is a hard link to itself')
    // Device nodes are made after node-tar has finished, too late for a link to them.
    if (kind === 'special') throw new ArchiveEntryError(name, 'hard links to device nodes or FIFOs are not supported')
    return target
  }
}
