// How a complete dump is recognised. pg_dump and pg_dumpall write a "dump complete" comment
// last in plain SQL, so a dump cut short lacks it; a custom archive has no such trailer, but
// starts with the PGDMP magic (and pg_dump's exit code 0 says it was finished).
import type {DumpFormat} from './options.js'

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
