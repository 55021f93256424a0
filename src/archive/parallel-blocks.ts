// Compression on every core: the input is cut into blocks that zlib compresses on libuv's thread
// pool at the same time, and the compressed blocks are written in order. gzip and zstd both read
// a file of several members (gzip, RFC 1952; pigz does the same) or frames (zstd, RFC 8878) as one
// stream, so gunzip, `zstd -d`, tar and zlib read the result as usual. Single-threaded compression
// is the bottleneck of a volume backup (PERF-NOTES.md).
import os from 'node:os'
import {Transform, type TransformCallback} from 'node:stream'
import {promisify} from 'node:util'
import zlib from 'node:zlib'

const gzipAsync = promisify(zlib.gzip)
const deflateRawAsync = promisify(zlib.deflateRaw)

export interface ParallelOptions {
  blockSize?: number
  /** Blocks compressed at once; also bounds memory to about 2 x this x blockSize. */
  concurrency?: number
}

export interface ParallelGzipOptions extends ParallelOptions {
  level?: number
}

export function parallelGzip(options: ParallelGzipOptions = {}): Transform {
  const level = options.level ?? 6
  const compress = async (block: Buffer) => gzipAsync(block, {level: (await incompressible(block)) ? 0 : level})
  return parallelBlocks(compress, {blockSize: 1 << 18, ...options})
}

const SAMPLE = 4096

/**
 * Whether a block is not worth deflating. Data that is compressed already (media, archives,
 * encrypted files) takes deflate about as long as text and shrinks by nothing: level 6 spent
 * ~10 s of CPU on the benchmark's 500 MB of random bytes (bench/volume.sh). Samples from the
 * block's start, middle and end are deflated at level 1 (fast); when together they do not shrink
 * by 3 %, the block is stored (deflate's stored blocks: still a valid gzip member, as large as
 * level 6 would have made it). zstd decides the same way by itself, as borg's `auto` does.
 */
export async function incompressible(block: Buffer): Promise<boolean> {
  if (block.length < 4 * SAMPLE) return false
  const middle = (block.length - SAMPLE) >> 1
  const sample = Buffer.concat([block.subarray(0, SAMPLE), block.subarray(middle, middle + SAMPLE), block.subarray(-SAMPLE)])
  const deflated = await deflateRawAsync(sample, {level: 1})
  return deflated.length > sample.length * 0.97
}

/**
 * Compresses each block of the input with `compress` (a whole member or frame of the format,
 * run off the main thread), several at once, and writes the results in input order. An empty
 * input is still compressed once: it becomes a valid, empty file of the format.
 */
export function parallelBlocks(compress: (block: Buffer) => Promise<Buffer>, options: ParallelOptions = {}): Transform {
  return new ParallelBlocks(compress, options)
}

class ParallelBlocks extends Transform {
  private readonly blockSize: number
  private readonly concurrency: number
  private buffered: Buffer[] = []
  private bufferedBytes = 0
  private readonly inFlight: Array<Promise<Buffer>> = []
  private emitted = false

  constructor(
    private readonly compressBlock: (block: Buffer) => Promise<Buffer>,
    options: ParallelOptions,
  ) {
    super()
    this.blockSize = options.blockSize ?? 1 << 18
    this.concurrency = options.concurrency ?? Math.max(2, os.availableParallelism())
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.buffered.push(chunk)
    this.bufferedBytes += chunk.length
    while (this.bufferedBytes >= this.blockSize) this.compress(this.takeBlock(this.blockSize))
    // Backpressure: accept more input only while fewer than `concurrency` blocks are pending.
    this.emitUntil(this.concurrency).then(() => callback(), callback)
  }

  override _flush(callback: TransformCallback): void {
    if (this.bufferedBytes > 0 || (!this.emitted && this.inFlight.length === 0)) this.compress(this.takeBlock(this.bufferedBytes))
    this.emitUntil(0).then(() => callback(), callback)
  }

  private compress(block: Buffer): void {
    const job = this.compressBlock(block)
    job.catch(() => {}) // awaited in order by emitUntil; this only avoids an unhandled rejection
    this.inFlight.push(job)
  }

  private async emitUntil(pending: number): Promise<void> {
    while (this.inFlight.length > pending) {
      this.push(await this.inFlight.shift()!)
      this.emitted = true
    }
  }

  private takeBlock(bytes: number): Buffer {
    const all = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered, this.bufferedBytes)
    const block = all.subarray(0, bytes)
    const rest = all.subarray(bytes)
    this.buffered = rest.length > 0 ? [rest] : []
    this.bufferedBytes = rest.length
    return block
  }
}
