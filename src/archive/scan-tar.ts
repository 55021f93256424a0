// Reads a whole plain tar stream and checks every entry without writing anything: what restore
// runs before it touches the disk, and what verify runs on stored archives.
import type {Readable} from 'node:stream'

import {Parser, type ReadEntry} from 'tar'

import type {TarSummary} from '../scheme.js'
import {feedTar} from './tar-feed.js'
import {EntryRules} from './tar-rules.js'

export interface ScanOptions {
  /** Allow character and block devices and FIFOs (restore allows them only as root). */
  devices: boolean
  /** The top-level name every entry must be, or be under (`data` for `data/`, `data/a.txt`). */
  root?: string
}

/**
 * Reads `content` (a plain tar: decompressing is the caller's job) to its end and resolves with
 * a summary, or rejects with an Error naming the entry when the archive is truncated, corrupt or
 * hostile: absolute paths, `..`, writing through a symlink of the archive, hard links to
 * anything but an earlier entry, device nodes and FIFOs (unless `devices`), entries outside
 * `root`. Symlinks themselves may point anywhere.
 */
export async function scanTar(content: Readable, options: ScanOptions): Promise<TarSummary> {
  const rules = new EntryRules(options)
  let refused: Error | undefined
  let entries = 0
  let bytes = 0
  // strict: every node-tar warning (bad checksum, truncated entry, invalid header) is an error.
  const parser = new Parser({strict: true})
  parser.on('entry', (entry: ReadEntry) => {
    entry.resume()
    if (refused) return
    try {
      const checked = rules.check(entry)
      entries++
      if (checked.kind === 'file' && entry.type !== 'Link') bytes += entry.size
    } catch (error) {
      refused = error as Error
    }
  })
  await feedTar(content, parser, {failure: () => refused, warningsFail: true})
  if (rules.root === undefined) throw new Error('the archive holds no entries')
  return {entries, bytes, root: rules.root, rootKind: rules.rootKind}
}
