// The frame structure of zstd data (RFC 8878), followed as the compressed bytes pass by: Node's
// zstd decompressor (22.15+) stops at the end of the last whole frame and reports neither a file
// cut short nor bytes after it, so restore and verify could take a truncated artifact for a whole
// one. This reads only the headers (frame, block, checksum sizes), never the content: it is no
// codec. It fails when the data starts no frame, holds bytes after its last frame that are not
// zstd, or ends before a frame does.
import {Transform, type TransformCallback} from 'node:stream'

/** 0xFD2FB528, little-endian: a zstd frame. */
const FRAME_MAGIC = 0xfd2fb528
/** 0x184D2A50 to 0x184D2A5F: a skippable frame (its 4-byte size, then that many bytes). */
const SKIPPABLE_MASK = 0xfffffff0
const SKIPPABLE_MAGIC = 0x184d2a50
/** Block_Maximum_Size: no block's content is larger. */
const MAX_BLOCK = 128 * 1024

/** A structural problem: `truncated` when the data ends inside a frame, else `corrupt`. */
export class ZstdFrameError extends Error {
  constructor(
    readonly kind: 'truncated' | 'corrupt',
    message: string,
  ) {
    super(message)
    this.name = 'ZstdFrameError'
  }
}

/** What the walker reads next, after skipping `skip` bytes. */
type Next = 'magic' | 'descriptor' | 'block' | 'skippable-size'

/** A pass-through that fails (ZstdFrameError) unless its input is whole zstd frames, at least one. */
export function zstdFrameCheck(): Transform {
  return new ZstdFrames()
}

class ZstdFrames extends Transform {
  private next: Next = 'magic'
  /** How many bytes `next` needs. */
  private need = 4
  private parts: Buffer[] = []
  private have = 0
  private skip = 0
  private checksum = false
  private frames = 0
  private offset = 0

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.walk(chunk)
    } catch (error) {
      callback(error as Error)
      return
    }
    callback(null, chunk)
  }

  override _flush(callback: TransformCallback): void {
    if (this.frames === 0 && this.next === 'magic' && this.have === 0 && this.skip === 0) {
      callback(new ZstdFrameError('truncated', 'it holds no zstd frame (the file is empty)'))
    } else if (this.next !== 'magic' || this.have > 0 || this.skip > 0) {
      callback(new ZstdFrameError('truncated', `its zstd data ends early, inside a frame (after ${this.offset} bytes)`))
    } else {
      callback()
    }
  }

  private walk(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at)
        this.skip -= n
        at += n
        this.offset += n
        continue
      }
      const n = Math.min(this.need - this.have, chunk.length - at)
      this.parts.push(chunk.subarray(at, at + n))
      this.have += n
      at += n
      if (this.have < this.need) continue
      const bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts)
      const start = this.offset
      this.parts = []
      this.have = 0
      this.offset += bytes.length
      this.field(bytes, start)
    }
  }

  /** Takes the `need` bytes of `next`, which start at byte `start`, and says what comes after them. */
  private field(bytes: Buffer, start: number): void {
    switch (this.next) {
      case 'magic': {
        const magic = bytes.readUInt32LE(0)
        if (magic === FRAME_MAGIC) return this.expect('descriptor', 1)
        if (((magic & SKIPPABLE_MASK) >>> 0) === SKIPPABLE_MAGIC) return this.expect('skippable-size', 4)
        const where = this.frames === 0 ? 'it is not zstd data' : `the bytes after its last zstd frame (at byte ${start}) are not zstd data`
        throw new ZstdFrameError('corrupt', where)
      }
      case 'skippable-size':
        this.skip = bytes.readUInt32LE(0)
        this.frames++
        return this.expect('magic', 4)
      case 'descriptor': {
        const descriptor = bytes[0]!
        if (descriptor & 0x08) throw new ZstdFrameError('corrupt', `the zstd frame header at byte ${start - 4} has its reserved bit set`)
        const singleSegment = (descriptor & 0x20) !== 0
        const contentSizeFlag = descriptor >> 6
        const contentSize = [singleSegment ? 1 : 0, 2, 4, 8][contentSizeFlag]!
        const dictionary = [0, 1, 2, 4][descriptor & 0x03]!
        this.checksum = (descriptor & 0x04) !== 0
        const rest = (singleSegment ? 0 : 1) + dictionary + contentSize
        // The rest of the header is only skipped: its values do not change where blocks are.
        this.skip = rest
        return this.expect('block', 3)
      }
      case 'block': {
        const header = bytes.readUIntLE(0, 3)
        const last = (header & 1) === 1
        const type = (header >> 1) & 3
        const size = header >> 3
        if (type === 3) throw new ZstdFrameError('corrupt', `the zstd block at byte ${start} has the reserved type`)
        if (size > MAX_BLOCK) throw new ZstdFrameError('corrupt', `the zstd block at byte ${start} claims ${size} bytes, more than a block may hold`)
        // An RLE block stores its one byte; raw and compressed blocks store `size` bytes.
        this.skip = type === 1 ? 1 : size
        if (!last) return this.expect('block', 3)
        if (this.checksum) this.skip += 4
        this.frames++
        return this.expect('magic', 4)
      }
    }
  }

  private expect(next: Next, need: number): void {
    this.next = next
    this.need = need
  }
}
