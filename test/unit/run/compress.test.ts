// The one place that decides an item's compression, and the check that a chosen compressor is
// there before anything is touched.
import {expect} from 'chai'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Compression} from '../../../src/archive/compression.js'
import {zstdEngine} from '../../../src/archive/zstd.js'
import {UsageError} from '../../../src/errors.js'
import {checkCompressors, compressionFor, storedExtension} from '../../../src/run/compress.js'

const local = {wantsCompressed: true}
const restic = {wantsCompressed: false}
const item = (compression: Compression, compress = true) => ({extension: '.tar', compress, compression})

/** Runs `work` with a PATH on which there is no zstd program. */
async function withoutZstdProgram<T>(work: () => Promise<T>): Promise<T> {
  const empty = await mkdtemp(join(tmpdir(), 'bb-no-zstd-'))
  const saved = process.env.PATH
  process.env.PATH = empty
  try {
    return await work()
  } finally {
    process.env.PATH = saved
    await rm(empty, {recursive: true, force: true})
  }
}

describe('choosing the compression of an item', function () {
  it("takes the item's choice in a store that wants compressed data", function () {
    expect((['gzip', 'zstd', 'none'] as const).map((c) => compressionFor(item(c), local))).to.deep.equal(['gzip', 'zstd', 'none'])
  })

  it('stores data compressed already as it is, whatever was chosen', function () {
    expect(compressionFor(item('zstd', false), local)).to.equal('none')
    expect(compressionFor(item('gzip', false), local)).to.equal('none')
  })

  it('gives a store that compresses itself (restic) the data uncompressed', function () {
    expect(compressionFor(item('zstd'), restic)).to.equal('none')
    expect(compressionFor(item('gzip'), restic)).to.equal('none')
  })

  it("puts the compressor's suffix after the item's extension", function () {
    expect(storedExtension({extension: '.tar'}, 'gzip')).to.equal('.tar.gz')
    expect(storedExtension({extension: '.sql'}, 'zstd')).to.equal('.sql.zst')
    expect(storedExtension({extension: '.sql'}, 'none')).to.equal('.sql')
  })
})

describe('checking the compressors before a run', function () {
  it('refuses zstd for a local store with exit 2 and the install command when Node has no zstd and no zstd program is on PATH', async function () {
    const error = await withoutZstdProgram(() => checkCompressors([item('gzip'), item('zstd')], [local]).then(() => undefined, (e: Error) => e))
    if (zstdEngine() === 'zlib') {
      // Node 22.15+ compresses zstd itself: the program is not needed.
      expect(error).to.equal(undefined)
      return
    }
    expect(error).to.be.instanceOf(UsageError)
    expect((error as UsageError).exitCode).to.equal(2)
    expect(error!.message).to.match(/^zstd compression needs the zstd program on Node\.js v[\d.]+ .*is not installed \(not on PATH\): nothing was backed up$/)
    expect((error as UsageError).suggestions.join('\n')).to.contain('apt-get install zstd')
  })

  it('needs no zstd program when no item is zstd-compressed anywhere: gzip, data compressed already, or only a restic store', async function () {
    await withoutZstdProgram(async () => {
      await checkCompressors([item('gzip'), item('none')], [local])
      await checkCompressors([item('zstd', false)], [local])
      await checkCompressors([item('zstd')], [restic])
    })
  })

  it('passes zstd with the zstd program on PATH', async function () {
    await checkCompressors([item('zstd')], [restic, local])
  })
})
