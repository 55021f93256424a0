// The compressions an artifact can be stored with, in one place: the suffix each gives the stored
// file, its compressor, and reading a stored file back decompressed, by its name. Reading checks
// the whole stream: gzip's CRC and length of every member, zstd's frames to their end (a cut file
// or trailing bytes fail) and their checksums.
import {createReadStream} from 'node:fs'
import {PassThrough, type Duplex, type Readable} from 'node:stream'
import zlib from 'node:zlib'

import {parallelGzip} from './parallel-blocks.js'
import {zstdCompressor, zstdDecompressor, ZstdProgramError} from './zstd.js'
import {ZstdFrameError, zstdFrameCheck} from './zstd-frames.js'

/** `gzip` (what everyone can open), `zstd` (smaller and faster), `none` (stored as the scheme wrote it). */
export const COMPRESSIONS = ['gzip', 'zstd', 'none'] as const
export type Compression = (typeof COMPRESSIONS)[number]
/** What every user can open. */
export const DEFAULT_COMPRESSION = 'gzip' satisfies Compression

const SUFFIXES: Record<Compression, string> = {gzip: '.gz', zstd: '.zst', none: ''}
/** One-word names of compressed tar archives (a volume `command` may write them). */
const TAR_SHORTHANDS: Record<string, Compression> = {'.tgz': 'gzip', '.tzst': 'zstd'}

/** What `compression` adds to the name of a file it compressed (`.gz`, `.zst`, ''). */
export function compressionSuffix(compression: Compression): string {
  return SUFFIXES[compression]
}

/** How a stored file is compressed, by its name, and the name of what it holds (`x.tar.zst` -> zstd, `x.tar`). */
export function storedFormat(file: string): {compression: Compression; plain: string} {
  for (const [shorthand, compression] of Object.entries(TAR_SHORTHANDS)) {
    if (file.endsWith(shorthand)) return {compression, plain: `${file.slice(0, -shorthand.length)}.tar`}
  }
  for (const compression of COMPRESSIONS) {
    const suffix = SUFFIXES[compression]
    if (suffix !== '' && file.endsWith(suffix)) return {compression, plain: file.slice(0, -suffix.length)}
  }
  return {compression: 'none', plain: file}
}

/** Whether a stored file holds a tar archive (compressed or not), by its name. */
export function holdsTar(file: string): boolean {
  return storedFormat(file).plain.endsWith('.tar')
}

/** A stream that compresses what is written into it, on every core. */
export function compressor(compression: Exclude<Compression, 'none'>): Duplex {
  return compression === 'gzip' ? parallelGzip() : zstdCompressor()
}

/**
 * The content of a stored file, decompressed when its name says it is compressed, as a stream
 * whose errors name the file and say plainly whether it is cut short or damaged.
 */
export function openDecompressed(file: string): Readable {
  const {compression} = storedFormat(file)
  if (compression === 'none') return createReadStream(file)
  const stages: Duplex[] = compression === 'gzip' ? [zlib.createGunzip()] : [zstdFrameCheck(), zstdDecompressor()]
  const input = createReadStream(file)
  const output = new PassThrough()
  const fail = (error: Error) => output.destroy(readError(error, file))
  for (const stream of [input, ...stages]) stream.on('error', fail)
  // A consumer that stops early (a refused entry) stops the reading too.
  output.on('close', () => {
    input.destroy()
    for (const stage of stages) stage.destroy()
  })
  stages.reduce<Readable>((from, stage) => from.pipe(stage), input).pipe(output)
  return output
}

function readError(error: Error, file: string): Error {
  if (error instanceof ZstdFrameError) return new Error(`${file} is ${error.kind}: ${error.message}`, {cause: error})
  if (error instanceof ZstdProgramError) {
    if (error.missing) return new Error(`cannot read ${file}: ${error.message}`, {cause: error})
    return new Error(`${file} is corrupt: its zstd data is damaged (${error.message})`, {cause: error})
  }
  const code = (error as NodeJS.ErrnoException).code
  if (code?.startsWith('ZSTD_')) return new Error(`${file} is corrupt: its zstd data is damaged (${error.message})`, {cause: error})
  if (code === 'Z_BUF_ERROR') return new Error(`${file} is truncated: its gzip data ends early (${error.message})`, {cause: error})
  if (code?.startsWith('Z_')) return new Error(`${file} is corrupt: its gzip data is damaged (${error.message})`, {cause: error})
  return error
}
