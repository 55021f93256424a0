// The core's compression of an item's data (PlannedItem.compress), decided here and only here:
// `backup --compression` or the entry's `compression:` picks gzip (default), zstd or none for the
// item; a store that compresses itself (restic) always gets the data as the scheme wrote it. The
// stored file gets the compressor's suffix after the item's extension (`.tar.gz`, `.sql.zst`).
import type {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import {type Compression, compressionSuffix, compressor} from '../archive/compression.js'
import {INSTALL_ZSTD, zstdMissing} from '../archive/zstd.js'
import {UsageError} from '../errors.js'
import type {Store} from '../store.js'

/** What decides an item's compression: whether its data may be compressed, and the compressor chosen for it. */
export interface CompressedItem {
  extension: string
  compress: boolean
  /** The flag's choice, or the config entry's. */
  compression: Compression
}

/** The compression an item's data gets in `store`. */
export function compressionFor(item: CompressedItem, store: Pick<Store, 'wantsCompressed'>): Compression {
  // Data compressed already (a pg_dump custom archive), or a store that compresses and deduplicates
  // itself (restic), which must see the data as it is.
  return item.compress && store.wantsCompressed ? item.compression : 'none'
}

/** The stored file's extension of an item compressed with `compression`: what its scheme writes, plus the compressor's suffix. */
export function storedExtension(item: {extension: string}, compression: Compression): string {
  return `${item.extension}${compressionSuffix(compression)}`
}

/**
 * Before anything is touched: a compressor that some item needs in some store must be there (zstd
 * on a Node.js without it needs the `zstd` program). Throws a UsageError (exit 2) when it is not.
 */
export async function checkCompressors(items: CompressedItem[], stores: Array<Pick<Store, 'wantsCompressed'>>): Promise<void> {
  const needed = new Set(items.flatMap((item) => stores.map((store) => compressionFor(item, store))))
  if (!needed.has('zstd')) return
  const missing = await zstdMissing()
  if (missing) throw new UsageError(`${missing}: nothing was backed up`, [INSTALL_ZSTD, 'or compress with gzip: --compression gzip, and compression: gzip in the scheme config entries that choose zstd'])
}

/**
 * Runs `write` into the compressor of `compression` whose output goes into `out` (with `none`,
 * straight into `out`); resolves once all of it is in `out`. Whichever fails first (the scheme,
 * the compressor, or `out`, e.g. a full disk) is the error reported.
 */
export async function writeCompressed(out: Writable, compression: Compression, write: (into: Writable) => Promise<void>): Promise<void> {
  if (compression === 'none') return write(out)
  const into = compressor(compression)
  const piped = pipeline(into, out)
  const wrote = (async () => {
    await write(into)
    if (!into.writableEnded) into.end()
  })()
  wrote.catch((error: Error) => into.destroy(error))
  piped.catch(() => {})
  await Promise.all([wrote, piped])
}
