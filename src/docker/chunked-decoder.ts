// HTTP/1.1 chunked transfer coding (RFC 9112, section 7.1), decoded into slices of the buffers
// it is given: no copies, which is the point (src/docker/socket-get.ts says why).

const CR = 13
const LF = 10
/** A chunk-size line (hex size, optional extensions) is a few bytes; anything this long is not one. */
const MAX_SIZE_LINE = 4096

type State = 'size' | 'data' | 'data-end' | 'done'

export class ChunkedDecoder {
  private state: State = 'size'
  private sizeLine = ''
  /** Bytes left of the current chunk's data (state `data`), or of its CRLF (state `data-end`). */
  private left = 0
  /** The body's bytes decoded so far. */
  bytes = 0

  /** True once the last chunk (size 0) has been read: the body is complete. */
  get done(): boolean {
    return this.state === 'done'
  }

  /**
   * Decodes `input`, handing each piece of body data to `emit` (a slice of `input`). Throws on
   * malformed framing. Whatever follows the last chunk (trailer fields) is ignored.
   */
  write(input: Buffer, emit: (data: Buffer) => void): void {
    let at = 0
    while (at < input.length && this.state !== 'done') {
      if (this.state === 'data') {
        const n = Math.min(this.left, input.length - at)
        emit(input.subarray(at, at + n))
        this.bytes += n
        at += n
        this.left -= n
        if (this.left === 0) [this.state, this.left] = ['data-end', 2]
      } else if (this.state === 'data-end') {
        const expected = this.left === 2 ? CR : LF
        if (input[at] !== expected) throw new Error(`malformed chunked body: no CRLF after a chunk's data (after ${this.bytes} bytes)`)
        at++
        if (--this.left === 0) this.state = 'size'
      } else {
        const eol = input.indexOf(LF, at)
        const end = eol < 0 ? input.length : eol
        this.sizeLine += input.toString('latin1', at, end)
        if (this.sizeLine.length > MAX_SIZE_LINE) throw new Error(`malformed chunked body: a chunk-size line longer than ${MAX_SIZE_LINE} bytes (after ${this.bytes} bytes)`)
        at = end
        if (eol < 0) break
        at++
        this.startChunk()
      }
    }
  }

  private startChunk(): void {
    const hex = this.sizeLine.replace(/\r$/, '').split(';')[0]!.trim()
    this.sizeLine = ''
    if (!/^[0-9a-fA-F]{1,13}$/.test(hex)) throw new Error(`malformed chunked body: bad chunk size "${hex.slice(0, 20)}" (after ${this.bytes} bytes)`)
    this.left = Number.parseInt(hex, 16)
    this.state = this.left === 0 ? 'done' : 'data'
  }
}
