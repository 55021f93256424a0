import {expect} from 'chai'
import {mkdir, readdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {Readable} from 'node:stream'

import {extractArchive} from '../../../src/archive/extract.js'
import {openDecompressed} from '../../../src/archive/compression.js'
import {unpackTree} from '../../../src/archive/unpack-tree.js'
import {type RawEntry, rawTar, rawTarGz, snapshot, stagingLeftovers, tempDir, writeGz} from '../../support/tar.js'

const dir = (p: string): RawEntry => ({path: p, type: 'Directory', mode: 0o755})
const file = (p: string, body = 'pwned'): RawEntry => ({path: p, type: 'File', body})

describe('extractArchive with a hostile archive', function () {
  let base: string
  let cleanup: () => Promise<void>
  /** Where an escaping entry would land: next to the destination, or an absolute path. */
  let outside: string
  let parent: string

  beforeEach(async function () {
    ;({dir: base, cleanup} = await tempDir('backupbot-hostile-'))
    outside = path.join(base, 'outside')
    parent = path.join(base, 'restore')
    await mkdir(outside)
    await writeFile(path.join(outside, 'secret'), 'secret')
    await mkdir(parent)
  })

  afterEach(async function () {
    await cleanup()
  })

  const cases: Array<[string, () => RawEntry[], RegExp]> = [
    ['an absolute path', () => [dir('data/'), file(path.join(outside, 'abs.txt'))], /absolute/],
    ['a path starting with ../', () => [dir('data/'), file('../x')], /"\.\.\/x".*'\.\.'/],
    ['a path like a/../../x', () => [dir('data/'), file('data/../../x')], /"data\/\.\.\/\.\.\/x".*'\.\.'/],
    [
      'a symlink to an outside directory, then a file written through it',
      () => [dir('data/'), {path: 'data/link', type: 'SymbolicLink', linkpath: outside}, file('data/link/pwned')],
      /"data\/link\/pwned".*symbolic link "data\/link"/,
    ],
    [
      'a symlink to .. , then a file written through it',
      () => [dir('data/'), {path: 'data/link', type: 'SymbolicLink', linkpath: '../..'}, file('data/link/pwned')],
      /"data\/link\/pwned".*symbolic link "data\/link"/,
    ],
    ['a hard link to /etc/passwd', () => [dir('data/'), {path: 'data/passwd', type: 'Link', linkpath: '/etc/passwd'}], /"data\/passwd".*absolute/],
    [
      'a hard link to a file outside',
      () => [dir('data/'), {path: 'data/secret', type: 'Link', linkpath: '../outside/secret'}],
      /"data\/secret".*'\.\.'/,
    ],
    [
      'a hard link to a path that is not an earlier entry',
      () => [dir('data/'), {path: 'data/secret', type: 'Link', linkpath: 'outside/secret'}],
      /"data\/secret".*not an earlier file/,
    ],
    [
      'a device node without devices',
      () => [dir('data/'), {path: 'data/mem', type: 'CharacterDevice', devmaj: 1, devmin: 1, mode: 0o666}],
      /"data\/mem".*device node/,
    ],
    ['a FIFO without devices', () => [dir('data/'), {path: 'data/pipe', type: 'FIFO'}], /"data\/pipe".*device node or FIFO/],
  ]

  for (const [what, entries, pattern] of cases) {
    it(`refuses ${what}, writing nothing inside or outside the destination`, async function () {
      const archive = await writeGz(path.join(base, 'hostile.tar.gz'), rawTarGz([...entries(), file('data/after.txt', 'after')]))
      const before = await snapshot(base)
      const destination = path.join(parent, 'data')
      const error = await extractArchive(() => openDecompressed(archive), destination, {replace: false, devices: false}).catch((caught: Error) => caught)
      expect(error).to.be.instanceOf(Error)
      expect((error as Error).message).to.match(pattern)
      expect(await snapshot(base)).to.deep.equal(before)
      expect(await stagingLeftovers(parent)).to.deep.equal([])
    })
  }

  it('refuses a hostile archive into an existing destination with replace, leaving its content alone', async function () {
    const destination = path.join(parent, 'data')
    await mkdir(destination)
    await writeFile(path.join(destination, 'precious.txt'), 'keep')
    const archive = await writeGz(
      path.join(base, 'hostile.tar.gz'),
      rawTarGz([dir('data/'), {path: 'data/link', type: 'SymbolicLink', linkpath: outside}, file('data/link/pwned')]),
    )
    const before = await snapshot(base)
    const error = await extractArchive(() => openDecompressed(archive), destination, {replace: true, devices: false}).catch((caught: Error) => caught)
    expect((error as Error).message).to.match(/through the symbolic link/)
    expect(await snapshot(base)).to.deep.equal(before)
  })

  it('refuses device nodes even with devices when not running as root', async function () {
    const archive = await writeGz(path.join(base, 'dev.tar.gz'), rawTarGz([dir('data/'), {path: 'data/pipe', type: 'FIFO'}]))
    const getuid = process.getuid
    process.getuid = () => 1000
    try {
      const error = await extractArchive(() => openDecompressed(archive), path.join(parent, 'data'), {replace: false, devices: true}).catch((caught: Error) => caught)
      expect((error as Error).message).to.match(/"data\/pipe".*device node or FIFO.*as root/)
    } finally {
      process.getuid = getuid
    }
    expect(await readdir(parent)).to.deep.equal([])
  })
})

describe('unpackTree', function () {
  it('checks every entry again while extracting, so a hostile entry is never written even if the archive changed after its scan', async function () {
    const {dir: base, cleanup} = await tempDir('backupbot-unpack-')
    try {
      const outside = path.join(base, 'outside')
      const staging = path.join(base, 'staging')
      await mkdir(outside)
      await mkdir(staging)
      const tar = rawTar([
        dir('data/'),
        file('data/fine.txt', 'fine'),
        {path: 'data/link', type: 'SymbolicLink', linkpath: outside},
        file('data/link/pwned'),
      ])
      const error = await unpackTree(Readable.from([tar]), staging, {devices: false, root: 'data', owner: true}).catch((caught: Error) => caught)
      expect((error as Error).message).to.match(/"data\/link\/pwned".*symbolic link/)
      expect(await readdir(outside)).to.deep.equal([])
    } finally {
      await cleanup()
    }
  })
})
