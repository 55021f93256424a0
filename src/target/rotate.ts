// Rotation and pruning of an item's versions. Existing versions are only ever renamed (never
// onto an existing name) or, when a retention policy no longer keeps them, deleted; a kill between two renames leaves gaps that
// the next rotation closes (see ./renumber.ts).
import {rename, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {exists, fsyncDir} from '../system/fs-sync.js'
import {checkStem, scratchName} from './layout.js'
import {readVersion, type VersionListing} from './list.js'
import {planRenames} from './renumber.js'
import {applyRetention, type RetentionPolicy} from './retention.js'
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

/** What a retention run removed, and what it could not judge. */
export interface Pruned {
  /** The versions removed, as they were listed (newest first). */
  removed: VersionListing[]
  /** Versions kept because their manifest gives no creation time (numbers before renumbering). */
  undated: number[]
}

/**
 * Removes the versions `policy` does not keep (restic forget's semantics, ./retention.ts), then
 * renumbers the rest. Each goes to a `.trash-*` name first, so that a half-deleted version is
 * never left under a version name. A version without a readable creation time is never removed.
 */
export async function prune(itemDir: string, item: string, policy: RetentionPolicy, now = new Date()): Promise<Pruned> {
  const {remove, undated} = await judge(itemDir, item, policy, now)
  if (remove.length === 0) return {removed: [], undated}
  const encoded = checkStem(item)
  const trash: string[] = []
  for (const version of remove) {
    const to = join(itemDir, scratchName('trash', encoded))
    await renameNoReplace(itemDir, version.dir, to)
    trash.push(to)
  }
  await fsyncDir(itemDir)
  for (const dir of trash) await rm(dir, {recursive: true, force: true})
  await rotate(itemDir, item)
  return {removed: remove, undated}
}

/** What prune would remove if a version made `now` were the newest (backup --dry-run). */
export async function pruneWouldRemove(itemDir: string, item: string, policy: RetentionPolicy, now = new Date()): Promise<VersionListing[]> {
  return (await judge(itemDir, item, policy, now, {created: now})).remove
}

async function judge(itemDir: string, item: string, policy: RetentionPolicy, now: Date, upcoming?: {created: Date}) {
  const encoded = checkStem(item)
  const listed = await Promise.all((await scanVersions(itemDir, encoded)).map((v) => readVersion(join(itemDir, v.name), v.number)))
  const dated = listed.flatMap((listing) => {
    const created = listing.created === undefined ? undefined : new Date(listing.created)
    return created && !Number.isNaN(created.getTime()) ? [{listing, created}] : []
  })
  const undated = listed.filter((l) => !dated.some((d) => d.listing === l)).map((l) => l.number)
  // Newest first by number, so that equal times keep the versions' own order.
  const candidates: Array<{listing?: VersionListing; created: Date}> = upcoming ? [upcoming, ...dated] : dated
  const {remove} = applyRetention(candidates, policy, now)
  return {remove: remove.flatMap((r) => (r.listing ? [r.listing] : [])), undated}
}

/** Renames `from` to `to`, refusing if `to` exists (a directory rename could replace an empty one). */
export async function renameNoReplace(itemDir: string, from: string, to: string): Promise<void> {
  if (await exists(to)) {
    throw new Error(`refusing to overwrite ${to}: it already exists. Nothing was overwritten; move it out of ${itemDir} and run again`)
  }
  await rename(from, to)
}
