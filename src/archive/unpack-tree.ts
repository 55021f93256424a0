// Writes a plain tar stream into a fresh, empty staging directory with node-tar, then puts right
// what node-tar does not keep (see entry-meta.ts).
import type {Readable} from 'node:stream'

import {type ReadEntry, Unpack} from 'tar'

import {MetaRecords, applyMeta, makeSpecial} from './entry-meta.js'
import {feedTar} from './tar-feed.js'
import {EntryRules} from './tar-rules.js'

export interface UnpackOptions {
  /** Make device nodes and FIFOs (the caller allows this only as root). */
  devices: boolean
  /** The top-level name scanTar found: the content must not have changed since. */
  root: string
  /** Keep owners (chown); needs root. */
  owner: boolean
}

/**
 * Extracts `content` into `staging` (an empty directory of ours). Every entry passes the same
 * rules as in scanTar once more, right before node-tar sees it: the archive was scanned from the
 * same file, but it could have changed in between, and a refused entry is never written.
 */
export async function unpackTree(content: Readable, staging: string, options: UnpackOptions): Promise<void> {
  const rules = new EntryRules({devices: options.devices, root: options.root})
  const records = new MetaRecords()
  let refused: Error | undefined
  const unpack = new Unpack({
    cwd: staging,
    // Keep symlink targets as archived (absolute ones too): without this node-tar rewrites them
    // and refuses some that point outside. The rules above do the path checks instead.
    preservePaths: true,
    preserveOwner: options.owner,
    maxDepth: Number.POSITIVE_INFINITY,
    // Not strict: a node-tar error then stays a warning and node-tar carries on, so it settles
    // and can be waited for before the staging directory is removed. Warnings fail the
    // extraction all the same (feedTar).
    strict: false,
    filter(_path, entry) {
      const readEntry = entry as ReadEntry
      if (refused) return false
      try {
        const checked = rules.check(readEntry)
        records.add(checked, readEntry)
        // node-tar does not make device nodes and FIFOs; they are made afterwards.
        return checked.kind !== 'special'
      } catch (error) {
        refused = error as Error
        return false
      }
    },
  })
  await feedTar(content, unpack, {failure: () => refused, warningsFail: true})

  for (const [relative, meta] of records.specials()) await makeSpecial(staging, relative, meta)
  for (const phase of records.phases()) {
    await inBatches(phase, 32, ([relative, meta]) => applyMeta(staging, relative, meta, {owner: options.owner}))
  }
}

/** Runs `work` on the items, `size` at a time. */
async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let index = 0; index < items.length; index += size) {
    await Promise.all(items.slice(index, index + size).map(work))
  }
}
