import {expect} from 'chai'
import {execa} from 'execa'
import {randomBytes} from 'node:crypto'
import {Readable} from 'node:stream'
import {buffer} from 'node:stream/consumers'
import {gunzipSync} from 'node:zlib'

import {incompressible, parallelGzip} from '../../../src/archive/parallel-blocks.js'

async function compress(chunks: Buffer[], blockSize = 64 * 1024): Promise<Buffer> {
  return buffer(Readable.from(chunks).pipe(parallelGzip({blockSize, concurrency: 3})))
}

describe('parallel gzip', function () {
  const text = Buffer.from('line of compressible text\n'.repeat(20_000))
  const noise = randomBytes(300_000)

  it('produces a .gz that zlib reads back byte for byte, across many blocks and odd chunk sizes', async function () {
    const input = Buffer.concat([text, noise, text])
    const chunks: Buffer[] = []
    for (let at = 0; at < input.length; at += 7777) chunks.push(input.subarray(at, at + 7777))
    expect(gunzipSync(await compress(chunks)).equals(input)).to.equal(true)
  })

  it('is read by the gzip command line tool as one file', async function () {
    const gz = await compress([text, noise])
    const {stdout} = await execa('gzip', ['-dc'], {input: gz, encoding: 'buffer'})
    expect(Buffer.from(stdout).equals(Buffer.concat([text, noise]))).to.equal(true)
  })

  it('turns an empty input into a valid empty .gz', async function () {
    expect(gunzipSync(await compress([])).length).to.equal(0)
  })

  it('compresses text about as well as plain gzip', async function () {
    const gz = await compress([text], 1 << 20)
    expect(gz.length).to.be.lessThan(text.length / 50)
  })

  describe('a block that does not compress', function () {
    it('is told apart from text, and from a block that is random only in places', async function () {
      expect(await incompressible(noise.subarray(0, 256 * 1024))).to.equal(true)
      expect(await incompressible(text.subarray(0, 256 * 1024))).to.equal(false)
      // Random at the start and the end, text in the middle: one compressible sample is enough.
      const mixed = Buffer.concat([noise.subarray(0, 100_000), text.subarray(0, 56 * 1024), noise.subarray(100_000, 200_000)])
      expect(await incompressible(mixed)).to.equal(false)
    })

    it('is stored: the .gz of random bytes is their size plus the members\' framing, and reads back', async function () {
      const gz = await compress([noise])
      expect(gz.length).to.be.within(noise.length, noise.length + 200)
      expect(gunzipSync(gz).equals(noise)).to.equal(true)
    })
  })
})
