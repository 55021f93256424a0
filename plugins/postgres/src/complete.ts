// How a complete dump is recognised. pg_dump and pg_dumpall write a "dump complete" comment
// last in plain SQL, so a dump cut short lacks it; a custom archive has no such trailer, but
// starts with the PGDMP magic (and pg_dump's exit code 0 says it was finished). The same checks
// run when a dump is made (backup), read back (verify) and before it replaces anything (restore).
import type {StoredArtifact} from 'backupbot'

import type {DumpFormat} from './options.js'

/** Enough for the trailer, a `\unrestrict <key>` line after it and trailing whitespace. */
export const TRAILER_WINDOW = 512
export const CUSTOM_MAGIC = 'PGDMP'

export type DumpTool = 'pg_dump' | 'pg_dumpall'

/**
 * The last lines of a complete plain dump. Since PostgreSQL 17.6/16.10/15.14/14.19/13.22 a
 * `\unrestrict <key>` line follows the trailer comment of each database.
 */
const TRAILERS: Record<DumpTool, {text: string; pattern: RegExp}> = {
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
 * Why the output of `tool` in `format`, whose first bytes are `head` and last TRAILER_WINDOW
 * bytes are `tail`, is not a whole dump; undefined when it is.
 */
export function whyIncomplete(tool: DumpTool, format: DumpFormat, head: Buffer, tail: Buffer): string | undefined {
  if (format === 'custom') {
    const magic = head.subarray(0, CUSTOM_MAGIC.length).toString('latin1')
    return magic === CUSTOM_MAGIC ? undefined : `it is not a pg_dump custom archive (it does not start with "${CUSTOM_MAGIC}")`
  }
  const trailer = TRAILERS[tool]
  return trailer.pattern.test(tail.toString('utf8')) ? undefined : `it does not end with the "${trailer.text}" trailer, so it was cut short`
}

/** The first lines pg_dump and pg_dumpall write in plain SQL, by which a stored dump says which it is. */
const HEADERS: Array<[DumpTool, RegExp]> = [
  ['pg_dumpall', /^--\r?\n-- PostgreSQL database cluster dump\r?\n/],
  ['pg_dump', /^--\r?\n-- PostgreSQL database dump\r?\n/],
]
/** Enough of the start for the magic and for either header line. */
const HEAD_WINDOW = 64

/** Which tool wrote a plain dump, by its first lines; undefined when neither header is there. */
function toolOfHeader(start: Buffer): DumpTool | undefined {
  const text = start.toString('utf8')
  return HEADERS.find(([, pattern]) => pattern.test(text))?.[0]
}

/** The format of a stored artifact, by its file name (`.sql` plain, compressed by the core or not; `.dump` custom). */
export function formatOfFile(file: string): DumpFormat {
  if (file.endsWith('.dump')) return 'custom'
  if (/\.sql(\.gz|\.zst)?$/.test(file)) return 'plain'
  throw new Error(`${file} is not a backup_postgres artifact (expected .sql.gz, .sql.zst, .sql or .dump)`)
}

/** The name PlanContext.databases gives the item of every database (a pg_dumpall dump). */
const ALL_DATABASES_ITEM = 'all-databases'

/**
 * Reads a stored dump (decompressed) to its end, keeping only its edges, and throws unless it is
 * whole. `tool` is the one that made it; when undefined (verify, which has no item) the dump's
 * own header says, else the item's name in the manifest.
 */
export async function checkComplete(artifact: StoredArtifact, what: string, tool?: DumpTool): Promise<void> {
  const format = formatOfFile(artifact.file)
  const {head, tail} = await artifact.edges({head: HEAD_WINDOW, tail: TRAILER_WINDOW})
  const madeBy = tool ?? toolOfHeader(head) ?? (artifact.manifest.item === ALL_DATABASES_ITEM ? 'pg_dumpall' : 'pg_dump')
  const why = whyIncomplete(madeBy, format, head, tail)
  if (why) throw new Error(`${what} is not a complete dump: ${why}`)
}
