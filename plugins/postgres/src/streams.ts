// Small stream helpers for the dump: remember the start and the end of a stream that passes
// through, and read a stream keeping only its last bytes, so memory stays bounded whatever the
// dump's size.
import {type Readable, Transform, type TransformCallback} from 'node:stream'

/** How much of a tool's stderr is kept: the server's message is at the end. */
export const MESSAGE_LIMIT = 64 * 1024

/** Passes everything through and remembers the first `headLimit` and last `tailLimit` bytes. */
export class EdgeKeeper extends Transform {
  private head: Buffer = Buffer.alloc(0)
  private tail: Buffer = Buffer.alloc(0)

  constructor(
    private readonly headLimit: number,
    private readonly tailLimit: number,
  ) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.head.length < this.headLimit) this.head = Buffer.concat([this.head, chunk.subarray(0, this.headLimit - this.head.length)])
    this.tail = keepLast(Buffer.concat([this.tail, keepLast(chunk, this.tailLimit)]), this.tailLimit)
    callback(null, chunk)
  }

  start(): Buffer {
    return this.head
  }

  text(): string {
    return this.tail.toString('utf8')
  }
}

/** Reads `stream` to its end and returns its last `limit` bytes as text. */
export async function readAll(stream: Readable, limit: number): Promise<string> {
  let tail: Buffer = Buffer.alloc(0)
  for await (const chunk of stream) {
    tail = keepLast(Buffer.concat([tail, Buffer.from(chunk as Buffer)]), limit)
  }
  return tail.toString('utf8')
}

/** Reads `stream` to its end and returns its first `headLimit` and last `tailLimit` bytes. */
export async function readEdges(stream: Readable, headLimit: number, tailLimit: number): Promise<{head: Buffer; tail: Buffer}> {
  let head: Buffer = Buffer.alloc(0)
  let tail: Buffer = Buffer.alloc(0)
  for await (const chunk of stream) {
    const bytes = Buffer.from(chunk as Buffer)
    if (head.length < headLimit) head = Buffer.concat([head, bytes.subarray(0, headLimit - head.length)])
    tail = keepLast(Buffer.concat([tail, keepLast(bytes, tailLimit)]), tailLimit)
  }
  return {head, tail}
}

function keepLast(buffer: Buffer, limit: number): Buffer {
  return buffer.length > limit ? buffer.subarray(buffer.length - limit) : buffer
}
