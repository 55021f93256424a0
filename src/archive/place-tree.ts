// Puts an extracted tree (in a staging directory on the destination's filesystem) in place of
// the destination, with renames only: the old content goes aside first and comes back if
// anything fails, so a failed restore leaves the destination as it was.
import type {Stats} from 'node:fs'
import {lstat, mkdir, readdir, rename, rmdir, utimes} from 'node:fs/promises'
import path from 'node:path'

/** What is at the destination path now (a symlink counts as what it is, not what it points to). */
export type DestinationState = 'absent' | 'empty-directory' | 'directory' | 'other'

export type Placement =
  /** Nothing there: rename the extracted tree into place. */
  | 'rename'
  /** A directory: move the extracted top directory's entries into it (old ones aside). */
  | 'fill'
  /** A file (or an empty directory, which Docker makes for a missing bind-mounted file): rename over it. */
  | 'replace-entry'

/** `ignore`: an entry of the destination that is ours (the staging directory), not its content. */
export async function destinationState(destination: string, ignore?: string): Promise<DestinationState> {
  let stats: Stats
  try {
    stats = await lstat(destination)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent'
    throw error
  }
  if (!stats.isDirectory()) return 'other'
  const names = (await readdir(destination)).filter((name) => name !== ignore)
  return names.length === 0 ? 'empty-directory' : 'directory'
}

/** Which placement fits, or an Error saying why none may be done (and to use --force if that would do). */
export function choosePlacement(
  destination: string,
  state: DestinationState,
  archiveIsDirectory: boolean,
  replace: boolean,
): Placement {
  if (state === 'absent') return 'rename'
  if (archiveIsDirectory) {
    if (state === 'other') throw new Error(`cannot restore a directory to ${destination}: it exists and is not a directory`)
    if (state === 'directory' && !replace) throw notEmptyError(destination)
    return 'fill'
  }
  if (state === 'directory') throw new Error(`cannot restore a single file to ${destination}: it is a directory that is not empty`)
  if (state === 'other' && !replace) throw new Error(`${destination} already exists: use --force to replace it`)
  return 'replace-entry'
}

export function notEmptyError(destination: string): Error {
  return new Error(
    `${destination} is not empty: use --force to replace its content with the archive's (files not in the archive are deleted)`,
  )
}

export interface PlaceOptions {
  placement: Placement
  /** An empty directory path on the same filesystem, where the old content is moved aside. */
  aside: string
  ignore?: string
}

/**
 * Moves `source` (the extracted top entry) into place. For 'fill' it resolves with the source's
 * stats taken before its entries were moved out, for the caller to give the destination the
 * archived root's mode, owner and times once everything else is done.
 */
export async function placeTree(source: string, destination: string, options: PlaceOptions): Promise<Stats | undefined> {
  const sourceStats = await lstat(source)
  switch (options.placement) {
    case 'rename': {
      await rename(source, destination)
      await keepTimes(destination, sourceStats)
      return undefined
    }
    case 'replace-entry': {
      if ((await lstat(destination)).isDirectory()) await rmdir(destination)
      await rename(source, destination)
      return undefined
    }
    case 'fill': {
      await swapContent(source, destination, options.aside, options.ignore)
      return sourceStats
    }
  }
}

/**
 * Gives `destination` exactly the entries of `source`: the destination's entries are renamed
 * aside (not followed, not copied), the source's renamed in. The destination directory itself
 * stays (same inode: a container's bind mount of it sees the new content).
 */
async function swapContent(source: string, destination: string, aside: string, ignore: string | undefined): Promise<void> {
  await mkdir(aside)
  const before = await lstat(destination)
  const old = (await readdir(destination)).filter((name) => name !== ignore)
  const movedAside: string[] = []
  const movedIn: string[] = []
  try {
    for (const name of old) {
      await rename(path.join(destination, name), path.join(aside, name))
      movedAside.push(name)
    }
    for (const name of await readdir(source)) {
      const stats = await lstat(path.join(source, name))
      await rename(path.join(source, name), path.join(destination, name))
      movedIn.push(name)
      await keepTimes(path.join(destination, name), stats)
    }
  } catch (error) {
    try {
      for (const name of movedIn.reverse()) await rename(path.join(destination, name), path.join(source, name))
      for (const name of movedAside.reverse()) await rename(path.join(aside, name), path.join(destination, name))
      await utimes(destination, before.atime, before.mtime)
    } catch (rollbackError) {
      throw new RestoreRollbackError(
        `restoring into ${destination} failed (${(error as Error).message}), and so did putting its previous content back ` +
          `(${(rollbackError as Error).message}): the previous content is kept in ${aside}`,
        {cause: error},
      )
    }
    const message = `replacing the content of ${destination} failed and its previous content is back in place: ${(error as Error).message}`
    throw Object.assign(new Error(message, {cause: error}), {code: (error as NodeJS.ErrnoException).code})
  }
}

/** The previous content could not be put back: the caller must keep the staging directory. */
export class RestoreRollbackError extends Error {
  override name = 'RestoreRollbackError'
}

/** A directory moved to another parent may get a new mtime (its `..` entry changes). */
async function keepTimes(target: string, before: Stats): Promise<void> {
  if (!before.isDirectory()) return
  const after = await lstat(target)
  if (after.mtimeMs !== before.mtimeMs) await utimes(target, before.atime, before.mtime)
}
