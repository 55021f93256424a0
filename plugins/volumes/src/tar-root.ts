// The first entry of a tar stream, read from its headers alone. A restore needs the archive's
// top directory before it writes: the engine extracts entries next to the mount point, so an
// archive whose top name is not the mount point's basename would land beside the volume, not
// in it. Minimal on purpose: ustar names, GNU long names and PAX `path` records.
import type {Readable} from 'node:stream'

export interface TarEntryHead {
  name: string
  /** The typeflag: '5' directory, '0' file, ... */
  type: string
}

const BLOCK = 512
/** Extended headers before the first entry are small; more means this is not a plain tar. */
const LIMIT = 1 << 20

/** The first real entry (extended headers applied), or undefined for an empty archive. Closes the stream. */
export async function firstEntry(stream: Readable): Promise<TarEntryHead | undefined> {
  let buffer = Buffer.alloc(0)
  let longName: string | undefined
  let paxPath: string | undefined
  try {
    for await (const chunk of stream) {
      buffer = Buffer.concat([buffer, chunk as Buffer])
      while (buffer.length >= BLOCK) {
        const header = buffer.subarray(0, BLOCK)
        if (header.every((b) => b === 0)) return undefined
        if (!checksumOk(header)) throw new Error('not a tar archive (bad header checksum)')
        const type = header[156] === 0 ? '0' : String.fromCharCode(header[156]!)
        if (type !== 'x' && type !== 'g' && type !== 'L') {
          return {name: paxPath ?? longName ?? ustarName(header), type}
        }
        const size = octal(header.subarray(124, 136))
        const padded = Math.ceil(size / BLOCK) * BLOCK
        if (size > LIMIT) throw new Error('not a plain tar archive (oversized extended header)')
        if (buffer.length < BLOCK + padded) break
        const body = buffer.subarray(BLOCK, BLOCK + size)
        if (type === 'L') longName = cString(body)
        if (type === 'x') paxPath = paxRecord(body, 'path') ?? paxPath
        buffer = buffer.subarray(BLOCK + padded)
      }
      if (buffer.length > 2 * LIMIT) throw new Error('not a plain tar archive')
    }
  } finally {
    stream.destroy()
  }
  if (buffer.length > 0) throw new Error('not a tar archive (truncated header)')
  return undefined
}

function ustarName(header: Buffer): string {
  const name = cString(header.subarray(0, 100))
  const ustar = header.subarray(257, 262).toString('latin1') === 'ustar'
  const prefix = ustar ? cString(header.subarray(345, 500)) : ''
  return prefix ? `${prefix}/${name}` : name
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0)
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8')
}

function octal(bytes: Buffer): number {
  const text = cString(bytes).trim()
  return text === '' ? 0 : Number.parseInt(text, 8)
}

/** The header's checksum: the sum of its bytes with the checksum field read as spaces. */
function checksumOk(header: Buffer): boolean {
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!
  return sum === octal(header.subarray(148, 156))
}

/** PAX records are `<length> <key>=<value>\n`. */
function paxRecord(body: Buffer, key: string): string | undefined {
  let found: string | undefined
  let at = 0
  while (at < body.length) {
    const space = body.indexOf(0x20, at)
    if (space === -1) break
    const length = Number.parseInt(body.subarray(at, space).toString('latin1'), 10)
    if (!Number.isSafeInteger(length) || length <= 0) break
    const record = body.subarray(space + 1, at + length - 1).toString('utf8')
    const equals = record.indexOf('=')
    if (equals > 0 && record.slice(0, equals) === key) found = record.slice(equals + 1)
    at += length
  }
  return found
}
