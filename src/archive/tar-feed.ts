// Drives a node-tar Parser (or Unpack, which is one) with a plain tar stream, the same way for
// scanning and for extracting, so both see exactly the same entries.
import type {Readable} from 'node:stream'

import type {Parser} from 'tar'

export interface FeedOptions {
  /** A failure found by the caller (a refused entry): stop writing as soon as there is one. */
  failure: () => Error | undefined
  /** Also treat node-tar warnings (non-strict mode) as failures. */
  warningsFail: boolean
}

const compressedMagic = [Buffer.from([0x1f, 0x8b]), Buffer.from([0x28, 0xb5, 0x2f, 0xfd])]

/**
 * Writes `source` into `parser` until the end-of-archive marker, reads (and ignores) what
 * follows it as tar does (so a gzip source is still read to its checksum), ends the parser and
 * waits until it has closed: an Unpack has then finished touching the disk, also after a
 * failure. Throws the first failure, or if the archive stopped before its end-of-archive marker
 * (a tar cut at an entry boundary parses without any other complaint).
 */
export async function feedTar(source: Readable, parser: Parser, options: FeedOptions): Promise<void> {
  let failure: Error | undefined
  let lastEntry: string | undefined
  const fail = (error: unknown) => {
    failure ??= named(error instanceof Error ? error : new Error(String(error)), lastEntry)
  }
  let endOfArchive = false
  const seen = (entry: {path: string}) => {
    lastEntry = entry.path
  }
  parser.on('entry', seen)
  parser.on('ignoredEntry', seen)
  parser.on('error', fail)
  if (options.warningsFail) parser.on('warn', (code: string, message: string) => fail(new Error(`${code}: ${message}`)))
  parser.on('eof', () => {
    endOfArchive = true
  })
  const closed = new Promise<void>((resolve) => {
    parser.once('close', () => resolve())
    // An aborted parser never closes (node-tar aborts only while decompressing, which the
    // check below keeps from happening); do not wait forever.
    parser.once('abort', () => resolve())
  })

  let head: Buffer | undefined = Buffer.alloc(0)
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if ((failure ??= options.failure())) break
      if (endOfArchive) continue
      if (head !== undefined) {
        // node-tar would silently decompress a gzip or zstd stream: the content must be a
        // plain tar (decompression is the caller's, and done once).
        head = Buffer.concat([head, chunk])
        if (head.length < 4) continue
        if (compressedMagic.some((magic) => head!.subarray(0, magic.length).equals(magic))) {
          fail(new Error('the content is not a plain tar: it is compressed (twice?)'))
          break
        }
        const first = head
        head = undefined
        if (!parser.write(first)) await drained(parser)
        continue
      }
      if (!parser.write(chunk)) await drained(parser)
    }
    if (head !== undefined && head.length > 0 && !failure) parser.write(head)
  } catch (error) {
    fail(error)
  }
  parser.end()
  await closed
  failure ??= options.failure()
  if (failure) throw failure
  if (!endOfArchive) {
    const where = lastEntry === undefined ? '' : ` (the last entry read is ${JSON.stringify(lastEntry)})`
    throw new Error(`the tar archive is truncated: it ends without its end-of-archive marker${where}`)
  }
}

/** node-tar's errors carry the entry (or header) they are about: say which in the message. */
function named(error: Error, lastEntry: string | undefined): Error {
  if (error.message.includes('archive entry')) return error
  const data = error as Error & {entry?: {path?: string}; header?: {path?: string}}
  const entry = data.entry?.path ?? data.header?.path
  if (entry !== undefined) error.message = `${error.message} (archive entry ${JSON.stringify(entry)})`
  else if (lastEntry !== undefined && (data as {tarCode?: string}).tarCode !== undefined) {
    error.message = `${error.message} (after archive entry ${JSON.stringify(lastEntry)})`
  }
  return error
}

function drained(parser: Parser): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      parser.off('drain', done)
      parser.off('error', done)
      parser.off('close', done)
      resolve()
    }
    parser.on('drain', done)
    parser.on('error', done)
    parser.on('close', done)
  })
}
