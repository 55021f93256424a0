// The core's compression of an item's data (PlannedItem.compress): what a scheme writes goes
// through gzip on every core into the artifact, and the stored file gets `.gz`. One place, so
// that a store can take the data uncompressed and another compressor can come in later.
import type {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import {parallelGzip} from '../archive/parallel-blocks.js'

const COMPRESSED_SUFFIX = '.gz'

/** The stored file's extension of an item: what its scheme writes, plus the compressor's. */
export function storedExtension(item: {extension: string; compress: boolean}): string {
  return item.compress ? `${item.extension}${COMPRESSED_SUFFIX}` : item.extension
}

/**
 * Runs `write` into a compressor whose output goes into `out`; resolves once all of it is in
 * `out`. Whichever fails first (the scheme, or `out`, e.g. a full disk) is the error reported.
 */
export async function writeCompressed(out: Writable, write: (into: Writable) => Promise<void>): Promise<void> {
  const gzip = parallelGzip()
  const piped = pipeline(gzip, out)
  const wrote = (async () => {
    await write(gzip)
    if (!gzip.writableEnded) gzip.end()
  })()
  wrote.catch((error: Error) => gzip.destroy(error))
  piped.catch(() => {})
  await Promise.all([wrote, piped])
}
