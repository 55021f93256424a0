// The compressions in one place: stored names, the zstd compressor (Node's zlib where it has zstd,
// else the zstd program) and reading a stored file back by its name, with every kind of damage
// caught: a cut file, bytes after the last frame, a changed byte, an empty file.
import {expect} from 'chai'
import {execa} from 'execa'
import {randomBytes} from 'node:crypto'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {Readable} from 'node:stream'
import {buffer} from 'node:stream/consumers'
import {gzipSync} from 'node:zlib'

import {compressionSuffix, holdsTar, openDecompressed, storedFormat} from '../../../src/archive/compression.js'
import {zstdCompressor, zstdEngine, zstdMissing, type ZstdEngine} from '../../../src/archive/zstd.js'
import {zstdFrameCheck} from '../../../src/archive/zstd-frames.js'
import {useTempDir} from '../../support/temp-dir.js'

const text = Buffer.from('a line of compressible text, as dumps and configs are\n'.repeat(40_000))
const noise = randomBytes(200_000)
const input = Buffer.concat([text, noise, text])

/** Every way zstd runs on this Node: the program always, Node's zlib from 22.15 on. */
const engines: ZstdEngine[] = zstdEngine() === 'zlib' ? ['zlib', 'program'] : ['program']

async function zstd(data: Buffer, engine: ZstdEngine): Promise<Buffer> {
  return buffer(Readable.from(chunks(data, 9999)).pipe(zstdCompressor(engine)))
}

function chunks(data: Buffer, size: number): Buffer[] {
  return Array.from({length: Math.ceil(data.length / size)}, (_, i) => data.subarray(i * size, (i + 1) * size))
}

async function readBack(file: string): Promise<Buffer> {
  return buffer(openDecompressed(file))
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: Error) => caught,
  )
  expect(error, 'expected a failure').to.be.instanceOf(Error)
  return error!
}

describe('compression', function () {
  const temp = useTempDir()

  describe('stored names', function () {
    it('gives each compression its suffix and reads it back from a file name', function () {
      expect(['gzip', 'zstd', 'none'].map((c) => compressionSuffix(c as 'gzip'))).to.deep.equal(['.gz', '.zst', ''])
      expect(storedFormat('/b/x.1/x.tar.zst')).to.deep.equal({compression: 'zstd', plain: '/b/x.1/x.tar'})
      expect(storedFormat('shop.sql.gz')).to.deep.equal({compression: 'gzip', plain: 'shop.sql'})
      expect(storedFormat('a.tgz')).to.deep.equal({compression: 'gzip', plain: 'a.tar'})
      expect(storedFormat('a.tzst')).to.deep.equal({compression: 'zstd', plain: 'a.tar'})
      expect(storedFormat('shop.sql')).to.deep.equal({compression: 'none', plain: 'shop.sql'})
      expect(storedFormat('shop.dump')).to.deep.equal({compression: 'none', plain: 'shop.dump'})
    })

    it('tells a tar by its name, compressed or not', function () {
      expect(['x.tar', 'x.tar.gz', 'x.tar.zst', 'x.tgz', 'x.tzst'].map(holdsTar)).to.deep.equal([true, true, true, true, true])
      expect(['x.sql', 'x.sql.zst', 'x.dump', 'x.tar.bz2'].map(holdsTar)).to.deep.equal([false, false, false, false])
    })
  })

  for (const engine of engines) {
    describe(`zstd through ${engine === 'zlib' ? "Node's zlib" : 'the zstd program'}`, function () {
      it('writes what `zstd -dc` and openDecompressed read back byte for byte', async function () {
        const zst = await zstd(input, engine)
        expect(zst.length).to.be.lessThan(input.length / 2)
        const {stdout} = await execa('zstd', ['-dc'], {input: zst, encoding: 'buffer', stripFinalNewline: false})
        expect(Buffer.from(stdout).equals(input)).to.equal(true)
        const file = path.join(temp(), `${engine}.sql.zst`)
        await writeFile(file, zst)
        expect((await readBack(file)).equals(input)).to.equal(true)
      })

      it('turns an empty input into a valid, empty .zst', async function () {
        const file = path.join(temp(), `${engine}-empty.sql.zst`)
        await writeFile(file, await zstd(Buffer.alloc(0), engine))
        expect((await readBack(file)).length).to.equal(0)
      })

      it('puts a checksum in every frame, so that a changed byte is caught', async function () {
        const zst = await zstd(text, engine)
        const file = path.join(temp(), `${engine}-flipped.sql.zst`)
        zst[zst.length - 2]! ^= 0xff
        await writeFile(file, zst)
        expect((await failure(readBack(file))).message).to.match(new RegExp(`^${file} is corrupt: `))
      })
    })
  }

  describe('reading a damaged .zst', function () {
    let zst: Buffer
    before(async function () {
      zst = await zstd(input, 'program')
    })

    const cases: Array<[string, () => Buffer, RegExp]> = [
      ['cut short', () => zst.subarray(0, zst.length - 5), /is truncated: its zstd data ends early, inside a frame/],
      ['cut at a block', () => zst.subarray(0, 200), /is truncated: its zstd data ends early/],
      ['followed by bytes that are no zstd', () => Buffer.concat([zst, Buffer.from('trailing garbage')]), /is corrupt: the bytes after its last zstd frame \(at byte \d+\) are not zstd data/],
      ['not zstd at all', () => gzipSync(text), /is corrupt: it is not zstd data/],
      ['empty', () => Buffer.alloc(0), /is truncated: it holds no zstd frame \(the file is empty\)/],
    ]
    for (const [what, content, message] of cases) {
      it(`fails a file ${what}, naming it`, async function () {
        const file = path.join(temp(), `${what.replaceAll(' ', '-')}.tar.zst`)
        await writeFile(file, content())
        const error = await failure(readBack(file))
        expect(error.message).to.match(message)
        expect(error.message.startsWith(`${file} is `)).to.equal(true)
      })
    }

    it('reads a .gz and a plain file as before', async function () {
      const gz = path.join(temp(), 'x.sql.gz')
      const plain = path.join(temp(), 'x.sql')
      await writeFile(gz, gzipSync(text))
      await writeFile(plain, text)
      expect((await readBack(gz)).equals(text)).to.equal(true)
      expect((await readBack(plain)).equals(text)).to.equal(true)
    })
  })

  describe('the zstd frame check', function () {
    async function check(data: Buffer, size: number): Promise<Buffer> {
      return buffer(Readable.from(chunks(data, size)).pipe(zstdFrameCheck()))
    }

    it('passes several frames through unchanged, whatever the chunk sizes, also with a skippable frame and without checksums', async function () {
      const withChecksum = await zstd(text, 'program')
      const {stdout} = await execa('zstd', ['-q', '-c', '--no-check', '-19'], {input: noise.subarray(0, 5000), encoding: 'buffer'})
      const skippable = Buffer.concat([Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]), Buffer.from('abc')])
      const data = Buffer.concat([withChecksum, skippable, Buffer.from(stdout), withChecksum])
      for (const size of [1, 3, 4096, data.length]) expect((await check(data, size)).equals(data)).to.equal(true)
    })

    it('follows raw and RLE blocks (incompressible data, long runs of one byte)', async function () {
      const {stdout} = await execa('zstd', ['-q', '-c'], {input: Buffer.concat([noise, Buffer.alloc(300_000, 7)]), encoding: 'buffer'})
      const data = Buffer.from(stdout)
      expect((await check(data, 7)).equals(data)).to.equal(true)
      expect((await failure(check(data.subarray(0, data.length - 1), 7))).message).to.match(/ends early/)
    })
  })

  describe('whether zstd can be used', function () {
    it('says the zstd program is missing when Node has no zstd and PATH has no zstd', async function () {
      const saved = process.env.PATH
      process.env.PATH = temp()
      try {
        const missing = await zstdMissing()
        if (zstdEngine() === 'zlib') expect(missing).to.equal(undefined)
        else expect(missing).to.match(/^zstd compression needs the zstd program on Node\.js v[\d.]+ \(its zlib has no zstd\), and the program is not installed \(not on PATH\)$/)
      } finally {
        process.env.PATH = saved
      }
    })

    it('finds nothing missing with the zstd program on PATH', async function () {
      expect(await zstdMissing()).to.equal(undefined)
    })
  })
})
