// Where things live under a target: `<target>/<service>/<folder>/<item>/<item>.<N>/`.
// Every name that comes from a user (service, folder, item) goes through encodeName so that it
// is exactly one safe path segment and distinct names never share a folder.
import {randomBytes} from 'node:crypto'
import {join} from 'node:path'

import {UsageError} from '../errors.js'

/** Longest encoded name accepted: leaves room for `.tmp-<name>-<pid>-<random>` under 255 bytes. */
export const MAX_ENCODED_LENGTH = 200

/** The encoding of the empty name: a lone `%` is never produced for any other input. */
const EMPTY = '%'

const SAFE = /^[A-Za-z0-9._-]$/

function percent(text: string): string {
  let out = ''
  for (const byte of Buffer.from(text, 'utf8')) out += '%' + byte.toString(16).toUpperCase().padStart(2, '0')
  return out
}

/**
 * Turns a service/folder/item name into one shell-friendly path segment.
 * `/` -> `+`; `+`, `%` and anything outside `[A-Za-z0-9._-]` -> `%XX` (UTF-8, upper hex);
 * a leading `.` -> `%2E`; `''` -> `%`. A leading `./` is dropped first, so `./x` and `x` name
 * the same item; apart from that the mapping is injective (decodeName inverts it).
 */
export function encodeName(name: string): string {
  const text = name.startsWith('./') ? name.slice(2) : name
  if (text === '') return EMPTY
  let out = ''
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    // A lone surrogate has no UTF-8 form: Buffer.from would turn it into U+FFFD and collide.
    if (code >= 0xd800 && code <= 0xdfff) throw new UsageError(`name ${JSON.stringify(name)} is not valid Unicode text`)
    if (ch === '/') out += '+'
    else if (SAFE.test(ch) && !(ch === '.' && out === '')) out += ch
    else out += percent(ch)
  }
  if (out.length > MAX_ENCODED_LENGTH) {
    throw new UsageError(`name ${JSON.stringify(name)} is too long for a folder name (${out.length} > ${MAX_ENCODED_LENGTH} characters once encoded)`)
  }
  return out
}

/** Inverse of encodeName. Throws on a segment that encodeName would never produce. */
export function decodeName(segment: string): string {
  if (segment === EMPTY) return ''
  const bytes: number[] = []
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i]
    if (ch === '+') bytes.push(0x2f)
    else if (ch === '%') {
      const hex = segment.slice(i + 1, i + 3)
      if (!/^[0-9A-F]{2}$/.test(hex)) throw new Error(`${JSON.stringify(segment)} is not an encoded name (bad escape at ${i})`)
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else bytes.push(...Buffer.from(ch, 'utf8'))
  }
  const name = Buffer.from(bytes).toString('utf8')
  // Only the canonical spelling decodes: rules out `%61` for `a`, bad UTF-8, raw unsafe chars.
  let canonical: string | undefined
  try {
    canonical = encodeName(name)
  } catch {}
  if (canonical !== segment || name.startsWith('./')) throw new Error(`${JSON.stringify(segment)} is not an encoded name`)
  return name
}

/** `<target>/<service>/<folder>/<item>` with every segment encoded. */
export function itemDirectory(target: string, service: string, folder: string, item: string): string {
  return join(target, encodeName(service), encodeName(folder), encodeName(item))
}

/** The file in every version folder that describes it (Manifest in src/scheme.ts). */
export const MANIFEST = 'manifest.json'

const EXTENSION = /^(\.[A-Za-z0-9][A-Za-z0-9_-]*)*$/

/** An artifact's extension must be plain dotted words (`.tar.gz`): it is part of a file name. */
export function checkExtension(extension: string): string {
  if (!EXTENSION.test(extension)) throw new UsageError(`bad artifact extension ${JSON.stringify(extension)}: expected something like ".tar.gz"`)
  return extension
}

/** The folder name of version `n` of an item: `<encoded item>.<n>`. */
export function versionDirName(item: string, n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`bad version number ${n}`)
  return `${encodeName(item)}.${n}`
}

/** The item's stem must already be encoded: a raw `a/b` would escape or misname the folder. */
export function checkStem(item: string): string {
  try {
    decodeName(item)
  } catch {
    throw new UsageError(`item ${JSON.stringify(item)} is not an encoded name: pass encodeName(name)`)
  }
  return item
}

/** Temp/trash names start with the item's name so they sort and read sensibly. */
export function scratchName(kind: 'tmp' | 'trash', encodedItem: string): string {
  return `.${kind}-${encodedItem}-${process.pid}-${randomBytes(6).toString('hex')}`
}
