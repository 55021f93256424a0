// Bounded-memory stream helpers: remember the start and the end of a stream that passes
// through, read a stream keeping only its edges, split it into lines, and put a tool's last
// messages on one line. Whatever the size of a dump, only a few KiB of it stay in memory.
import {type Readable, Transform, type TransformCallback} from 'node:stream'
import {StringDecoder} from 'node:string_decoder'

/** How much of a tool's stderr is kept: its error is at the end. */
export const MESSAGE_LIMIT = 64 * 1024

function keepLast(buffer: Buffer, limit: number): Buffer {
  return buffer.length > limit ? buffer.subarray(buffer.length - limit) : buffer
}

/** Collects the first `headLimit` and last `tailLimit` bytes of what it is given. */
class Edges {
  head: Buffer = Buffer.alloc(0)
  tail: Buffer = Buffer.alloc(0)

  constructor(
    private readonly headLimit: number,
    private readonly tailLimit: number,
  ) {}

  add(chunk: Buffer): void {
    if (this.head.length < this.headLimit) this.head = Buffer.concat([this.head, chunk.subarray(0, this.headLimit - this.head.length)])
    if (this.tailLimit > 0) this.tail = keepLast(Buffer.concat([this.tail, keepLast(chunk, this.tailLimit)]), this.tailLimit)
  }
}

/** Passes everything through unchanged and remembers its edges. */
export class EdgeKeeper extends Transform {
  readonly edges: Edges

  constructor(headLimit: number, tailLimit: number) {
    super()
    this.edges = new Edges(headLimit, tailLimit)
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.edges.add(chunk)
    callback(null, chunk)
  }
}

/** Reads `stream` to its end and returns its first `head` and last `tail` bytes. */
export async function readEdges(stream: Readable, limits: {head?: number; tail?: number}): Promise<{head: Buffer; tail: Buffer}> {
  const edges = new Edges(limits.head ?? 0, limits.tail ?? 0)
  for await (const chunk of stream) edges.add(Buffer.from(chunk as Buffer))
  return {head: edges.head, tail: edges.tail}
}

/** Reads `stream` to its end and returns its last `limit` bytes as text. */
export async function readTail(stream: Readable, limit = MESSAGE_LIMIT): Promise<string> {
  return (await readEdges(stream, {tail: limit})).tail.toString('utf8')
}

const LINE_LIMIT = 4096

/** Reads `stream` to its end, calling `onLine` with each line (cut at 4 KiB); returns its last `limit` bytes as text. */
export async function readLines(stream: Readable, onLine: (line: string) => void, limit = MESSAGE_LIMIT): Promise<string> {
  const edges = new Edges(0, limit)
  const decoder = new StringDecoder('utf8')
  let partial = ''
  for await (const chunk of stream) {
    const bytes = Buffer.from(chunk as Buffer)
    edges.add(bytes)
    const lines = (partial + decoder.write(bytes)).split('\n')
    partial = lines.pop()!.slice(0, LINE_LIMIT)
    for (const line of lines) onLine(line.slice(0, LINE_LIMIT))
  }
  const last = partial + decoder.end()
  if (last !== '') onLine(last.slice(0, LINE_LIMIT))
  return edges.tail.toString('utf8')
}

/** A line of a message longer than this keeps only its end, where a tool's error is. */
const MESSAGE_LINE_LIMIT = 1024

/** The end of a tool's messages on one line: its last non-empty lines, rulers (`----`) left out, each at most 1 KiB. */
export function lastLines(text: string, count = 5): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^-+$/.test(l))
    .slice(-count)
    .map((l) => (l.length > MESSAGE_LINE_LIMIT ? `…${l.slice(-MESSAGE_LINE_LIMIT)}` : l))
    .join(' | ')
}
