// The "-- Dump completed" trailer that mariadb-dump/mysqldump write last: how a complete dump is
// recognised, both when it is made (backup) and when a stored one is checked (verify).
import type {Readable} from 'node:stream'

import {readAll} from './streams.js'

/** Enough for the trailer line plus trailing whitespace. */
export const TRAILER_WINDOW = 512
const TRAILER = /(?:^|\n)-- Dump completed(?: on [^\n]*)?\s*$/

/** Whether `tail` (the last TRAILER_WINDOW bytes of a dump, or more) ends with the trailer. */
export function endsWithTrailer(tail: string): boolean {
  return TRAILER.test(tail)
}

/** Reads a whole (decompressed) dump, keeping only its end, and throws unless it has the trailer. */
export async function checkTrailer(dump: Readable, what: string): Promise<void> {
  if (!endsWithTrailer(await readAll(dump, TRAILER_WINDOW))) {
    throw new Error(`${what} does not end with the "-- Dump completed" trailer: the dump is incomplete (cut short when it was made or since)`)
  }
}
