// Decompression of stored .gz artifacts. Node's gunzip reads every member of a multi-member .gz
// (parallelGzip writes those), checks each member's CRC and length, and fails on a cut file or
// on trailing garbage; this only puts the file's name and a plain reason in its errors.
import {createReadStream} from 'node:fs'
import {PassThrough, type Readable} from 'node:stream'
import zlib from 'node:zlib'

/** The decompressed content of a .gz file, as a stream whose errors name the file. */
export function openGunzipped(file: string): Readable {
  const input = createReadStream(file)
  const gunzip = zlib.createGunzip()
  const output = new PassThrough()
  const fail = (error: Error) => output.destroy(gzipError(error, file))
  input.on('error', fail)
  gunzip.on('error', fail)
  // A consumer that stops early (a refused entry) stops the reading too.
  output.on('close', () => {
    input.destroy()
    gunzip.destroy()
  })
  input.pipe(gunzip).pipe(output)
  return output
}

function gzipError(error: Error, file: string): Error {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'Z_BUF_ERROR') return new Error(`${file} is truncated: its gzip data ends early (${error.message})`, {cause: error})
  if (code?.startsWith('Z_')) return new Error(`${file} is corrupt: its gzip data is damaged (${error.message})`, {cause: error})
  return error
}
