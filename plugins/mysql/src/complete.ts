// How a complete dump is recognised: mariadb-dump and mysqldump write a "-- Dump completed"
// comment last, so a dump cut short lacks it. The same check runs when a dump is made (backup),
// read back (verify) and before it replaces anything (restore).
import type {StoredArtifact} from 'backupbot'

/** Enough for the trailer line plus trailing whitespace. */
export const TRAILER_WINDOW = 512
const TRAILER = /(?:^|\n)-- Dump completed(?: on [^\n]*)?\s*$/

/** Why a dump whose last TRAILER_WINDOW bytes are `tail` is not whole; undefined when it is. */
export function whyIncomplete(tail: Buffer): string | undefined {
  return TRAILER.test(tail.toString('utf8')) ? undefined : 'it does not end with the "-- Dump completed" trailer'
}

/** Reads a whole stored dump, keeping only its end, and throws unless it is complete. */
export async function checkComplete(artifact: StoredArtifact, what: string): Promise<void> {
  const why = whyIncomplete((await artifact.edges({tail: TRAILER_WINDOW})).tail)
  if (why) throw new Error(`${what} is not a complete dump: ${why} (cut short when it was made or since)`)
}
