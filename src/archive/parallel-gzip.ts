// gzip on every core: the input is cut into blocks that zlib compresses on libuv's thread pool
// at the same time, and the compressed blocks are written in order as gzip members. A file of
// several members is one valid .gz (RFC 1952; pigz does the same), so gunzip, tar and zlib read
// it as usual. Single-threaded gzip is the bottleneck of a volume backup (PERF-NOTES.md).
import os from 'node:os'
import {Transform, type TransformCallback} from 'node:stream'
import {promisify} from 'node:util'
import zlib from 'node:zlib'

const gzipAsync = promisify(zlib.gzip)

export interface ParallelGzipOptions {
  level?: number
  blockSize?: number
  /** Blocks compressed at once; also bounds memory to about 2 x this x blockSize. */
  concurrency?: number
}

export function parallelGzip(options: ParallelGzipOptions = {}): Transform {
  return new ParallelGzip(options)
}

class ParallelGzip extends Transform {
  private readonly level: number
  private readonly blockSize: number
  private readonly concurrency: number
  private buffered: Buffer[] = []
  private bufferedBytes = 0
  private readonly inFlight: Array<Promise<Buffer>> = []
  private emitted = false

  constructor(options: ParallelGzipOptions) {
    super()
    this.level = options.level ?? 6
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
    // An empty input still becomes a valid (empty) .gz.
    if (this.bufferedBytes > 0 || (!this.emitted && this.inFlight.length === 0)) this.compress(this.takeBlock(this.bufferedBytes))
    this.emitUntil(0).then(() => callback(), callback)
  }

  private compress(block: Buffer): void {
    const job = gzipAsync(block, {level: this.level})
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
