// How a complete dump is recognised. pg_dump and pg_dumpall write a "dump complete" comment
// last in plain SQL, so a dump cut short lacks it; a custom archive has no such trailer, but
// starts with the PGDMP magic (and pg_dump's exit code 0 says it was finished). The same checks
// run when a dump is made (backup), read back (verify) and before it replaces anything (restore).
import type {Readable} from 'node:stream'

import type {DumpFormat} from './options.js'
import {readEdges} from './streams.js'

/** Enough for the trailer, a `\unrestrict <key>` line after it and trailing whitespace. */
export const TRAILER_WINDOW = 512
export const CUSTOM_MAGIC = 'PGDMP'

export type DumpTool = 'pg_dump' | 'pg_dumpall'

/**
 * The last lines of a complete plain dump. Since PostgreSQL 17.6/16.10/15.14/14.19/13.22 a
 * `\unrestrict <key>` line follows the trailer comment of each database.
 */
export const TRAILERS: Record<DumpTool, {text: string; pattern: RegExp}> = {
  pg_dump: {
    text: '-- PostgreSQL database dump complete',
    pattern: /\n-- PostgreSQL database dump complete\n--\s*(?:\\unrestrict \S+\s*)?$/,
  },
  pg_dumpall: {
    text: '-- PostgreSQL database cluster dump complete',
    pattern: /\n-- PostgreSQL database cluster dump complete\n--\s*(?:\\unrestrict \S+\s*)?$/,
  },
}

/**
 * Why the output (its first bytes and its last TRAILER_WINDOW bytes) is not a whole dump of
 * `format` made by `tool`; undefined when it is.
 */
export function incompleteness(tool: DumpTool, format: DumpFormat, start: Buffer, tail: string): string | undefined {
  if (format === 'custom') {
    return start.toString('latin1') === CUSTOM_MAGIC ? undefined : `it is not a pg_dump custom archive (it does not start with "${CUSTOM_MAGIC}")`
  }
  const trailer = TRAILERS[tool]
  return trailer.pattern.test(tail) ? undefined : `it does not end with the "${trailer.text}" trailer, so it was cut short`
}

/** The first lines pg_dump and pg_dumpall write in plain SQL, by which a stored dump says which it is. */
const HEADERS: Array<[DumpTool, RegExp]> = [
  ['pg_dumpall', /^--\r?\n-- PostgreSQL database cluster dump\r?\n/],
  ['pg_dump', /^--\r?\n-- PostgreSQL database dump\r?\n/],
]
/** Enough of the start for the magic and for either header line. */
export const HEAD_WINDOW = 64

/** Which tool wrote a plain dump, by its first lines; undefined when neither header is there. */
export function toolOfHeader(start: Buffer): DumpTool | undefined {
  const text = start.toString('utf8')
  return HEADERS.find(([, pattern]) => pattern.test(text))?.[0]
}

/** The format of a stored artifact, by its file name (`.sql.gz` plain, `.dump` custom). */
export function formatOfFile(file: string): DumpFormat {
  if (file.endsWith('.dump')) return 'custom'
  if (file.endsWith('.sql.gz') || file.endsWith('.sql')) return 'plain'
  throw new Error(`${file} is not a backup_postgres artifact (expected .sql.gz or .dump)`)
}

/**
 * Reads a stored dump (decompressed) to its end, keeping only its first and last bytes, and
 * throws unless it is whole. `tool` is the one that made it; when undefined (verify, which has
 * no item) the dump's own header says, else `fallback`.
 */
export async function checkStoredDump(content: Readable, format: DumpFormat, tool: DumpTool | undefined, what: string, fallback: DumpTool = 'pg_dump'): Promise<void> {
  const {head, tail} = await readEdges(content, HEAD_WINDOW, TRAILER_WINDOW)
  const expected = tool ?? toolOfHeader(head) ?? fallback
  const why = incompleteness(expected, format, head.subarray(0, CUSTOM_MAGIC.length), tail.toString('utf8'))
  if (why) throw new Error(`${what} is not a complete dump: ${why}`)
}
