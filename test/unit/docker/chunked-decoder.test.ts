import {expect} from 'chai'
import {randomBytes} from 'node:crypto'

import {ChunkedDecoder} from '../../../src/docker/chunked-decoder.js'

/** `body` in chunked coding, cut into chunks of `size` bytes, with a chunk extension and a trailer. */
function encode(body: Buffer, size: number): Buffer {
  const parts: Buffer[] = []
  for (let at = 0; at < body.length; at += size) {
    const chunk = body.subarray(at, at + size)
    parts.push(Buffer.from(`${chunk.length.toString(16)}${at === 0 ? ';name=value' : ''}\r\n`), chunk, Buffer.from('\r\n'))
  }
  parts.push(Buffer.from('0\r\nX-Trailer: yes\r\n\r\n'))
  return Buffer.concat(parts)
}

function decode(input: Buffer, pieceSize: number): {body: Buffer; done: boolean} {
  const decoder = new ChunkedDecoder()
  const out: Buffer[] = []
  for (let at = 0; at < input.length; at += pieceSize) decoder.write(input.subarray(at, at + pieceSize), (data) => out.push(Buffer.from(data)))
  const body = Buffer.concat(out)
  expect(decoder.bytes).to.equal(body.length)
  return {body, done: decoder.done}
}

describe('ChunkedDecoder', function () {
  const body = randomBytes(5000)

  it('decodes a body however the input is cut, down to single bytes', function () {
    const encoded = encode(body, 777)
    for (const piece of [1, 2, 3, 7, 512, 4096, encoded.length]) {
      const {body: decoded, done} = decode(encoded, piece)
      expect(decoded.equals(body), `pieces of ${piece}`).to.equal(true)
      expect(done).to.equal(true)
    }
  })

  it('is not done while the last chunk has not come', function () {
    const encoded = encode(body, 1000)
    // Cut before the body's last byte: its CRLF, the last chunk and the trailer never come.
    const {body: decoded, done} = decode(encoded.subarray(0, encoded.lastIndexOf('\r\n0\r\n') - 1), 300)
    expect(done).to.equal(false)
    expect(decoded.equals(body.subarray(0, -1))).to.equal(true)
  })

  it('hands out slices of its input, not copies', function () {
    const input = encode(Buffer.from('hello'), 5)
    const decoder = new ChunkedDecoder()
    let slice: Buffer | undefined
    decoder.write(input, (data) => (slice = data))
    expect(slice!.buffer).to.equal(input.buffer)
  })

  it('refuses a bad chunk size, a missing CRLF after the data and an endless size line', function () {
    expect(() => new ChunkedDecoder().write(Buffer.from('zz\r\nabc'), () => {})).to.throw(/bad chunk size "zz"/)
    expect(() => new ChunkedDecoder().write(Buffer.from('3\r\nabcX\r\n'), () => {})).to.throw(/no CRLF after a chunk's data \(after 3 bytes\)/)
    expect(() => new ChunkedDecoder().write(Buffer.alloc(5000, 0x31), () => {})).to.throw(/chunk-size line longer/)
  })
})
