// Rotation and pruning of an item's versions. Existing versions are only ever renamed (never
// onto an existing name) or, past `keep`, deleted; a kill between two renames leaves gaps that
// the next rotation closes (see ./renumber.ts).
import {rename, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {UsageError} from '../errors.js'
import {exists, fsyncDir} from '../system/fs-sync.js'
import {checkStem, scratchName} from './layout.js'
import {planRenames} from './renumber.js'
import {scanVersions} from './versions.js'

/** Renumbers an item's versions to 1..k (newest = 1), keeping their order. */
export async function rotate(itemDir: string, item: string): Promise<void> {
  const encoded = checkStem(item)
  const renames = planRenames((await scanVersions(itemDir, encoded)).map((v) => v.number))
  if (renames.length === 0) return
  for (const {from, to} of renames) {
    await renameNoReplace(itemDir, join(itemDir, `${encoded}.${from}`), join(itemDir, `${encoded}.${to}`))
  }
  await fsyncDir(itemDir)
}

/**
 * Deletes all but the `keep` newest versions. Each goes to a `.trash-*` name first so that a
 * half-deleted version is never left under a version name.
 */
export async function prune(itemDir: string, item: string, keep: number): Promise<void> {
  checkKeep(keep)
  const encoded = checkStem(item)
  // By rank, not by number: with gaps ({2,5}) a numeric cut-off could delete everything.
  const old = (await scanVersions(itemDir, encoded)).slice(keep)
  if (old.length === 0) return
  const trash: string[] = []
  for (const version of old) {
    const to = join(itemDir, scratchName('trash', encoded))
    await renameNoReplace(itemDir, join(itemDir, version.name), to)
    trash.push(to)
  }
  await fsyncDir(itemDir)
  for (const dir of trash) await rm(dir, {recursive: true, force: true})
}

/** `keep` must be a whole number of at least 1. */
export function checkKeep(keep: number): void {
  if (!Number.isSafeInteger(keep) || keep < 1) throw new UsageError(`keep must be a whole number of at least 1, got ${keep}`)
}

/** Renames `from` to `to`, refusing if `to` exists (a directory rename could replace an empty one). */
export async function renameNoReplace(itemDir: string, from: string, to: string): Promise<void> {
  if (await exists(to)) {
    throw new Error(`refusing to overwrite ${to}: it already exists. Nothing was overwritten; move it out of ${itemDir} and run again`)
  }
  await rename(from, to)
}
