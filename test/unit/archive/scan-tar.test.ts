import {expect} from 'chai'
import {mkdir, readFile, symlink, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {Readable} from 'node:stream'
import {gunzipSync, gzipSync} from 'node:zlib'

import {scanTar} from '../../../src/archive/scan-tar.js'
import {type RawEntry, packToFile, rawTar, tempDir} from '../../support/tar.js'

const scan = (tar: Buffer, options: {devices?: boolean; root?: string} = {}, chunk = 700) => {
  const chunks: Buffer[] = []
  for (let at = 0; at < tar.length; at += chunk) chunks.push(tar.subarray(at, at + chunk))
  return scanTar(Readable.from(chunks), {devices: options.devices ?? false, root: options.root})
}

async function refused(tar: Buffer, pattern: RegExp, options: {devices?: boolean; root?: string} = {}): Promise<void> {
  let error: unknown
  try {
    await scan(tar, options)
  } catch (caught) {
    error = caught
  }
  expect(error, 'the scan should fail').to.be.instanceOf(Error)
  expect((error as Error).message).to.match(pattern)
}

const dir = (p: string): RawEntry => ({path: p, type: 'Directory', mode: 0o755})
const file = (p: string, body = 'x'): RawEntry => ({path: p, type: 'File', body})

describe('scanTar', function () {
  it('summarises a packPath archive: entry count, file bytes and the top-level name', async function () {
    const {dir: base, cleanup} = await tempDir('backupbot-scan-')
    try {
      await mkdir(path.join(base, 'data', 'sub'), {recursive: true})
      await writeFile(path.join(base, 'data', 'a.txt'), 'hello')
      await writeFile(path.join(base, 'data', 'sub', 'b.txt'), '12345678')
      await symlink('/etc/passwd', path.join(base, 'data', 'abs-link'))
      const file = await packToFile(path.join(base, 'data'), path.join(base, 'data.tar.gz'))
      const summary = await scan(gunzipSync(await readFile(file)))
      expect(summary).to.deep.equal({entries: 5, bytes: 13, root: 'data', rootKind: 'directory'})
    } finally {
      await cleanup()
    }
  })

  it('accepts symlinks pointing anywhere, absolute or up the tree, as long as nothing is written through them', async function () {
    const tar = rawTar([
      dir('data/'),
      {path: 'data/abs', type: 'SymbolicLink', linkpath: '/etc'},
      {path: 'data/up', type: 'SymbolicLink', linkpath: '../../..'},
      file('data/after.txt'),
    ])
    expect((await scan(tar)).entries).to.equal(4)
  })

  it('accepts a directory that replaces an earlier symlink, and entries inside it', async function () {
    const tar = rawTar([dir('data/'), {path: 'data/x', type: 'SymbolicLink', linkpath: '/etc'}, dir('data/x/'), file('data/x/f')])
    expect((await scan(tar)).entries).to.equal(4)
  })

  it('accepts a hard link to an earlier file', async function () {
    const tar = rawTar([dir('data/'), file('data/a'), {path: 'data/b', type: 'Link', linkpath: 'data/a'}])
    expect((await scan(tar)).bytes).to.equal(1)
  })

  it('refuses an absolute path', async function () {
    await refused(rawTar([file('/etc/evil')]), /"\/etc\/evil".*absolute/)
  })

  it('refuses a path starting with ..', async function () {
    await refused(rawTar([dir('data/'), file('../x')]), /"\.\.\/x".*'\.\.'/)
  })

  it('refuses a .. segment in the middle of a path', async function () {
    await refused(rawTar([dir('data/'), file('data/../../x')]), /"data\/\.\.\/\.\.\/x".*'\.\.'/)
  })

  it('refuses writing through a symlink to an absolute path', async function () {
    const tar = rawTar([dir('data/'), {path: 'data/link', type: 'SymbolicLink', linkpath: '/etc'}, file('data/link/passwd')])
    await refused(tar, /"data\/link\/passwd".*through the symbolic link "data\/link"/)
  })

  it('refuses writing through a symlink to ..', async function () {
    const tar = rawTar([dir('data/'), {path: 'data/link', type: 'SymbolicLink', linkpath: '../..'}, dir('data/link/x/')])
    await refused(tar, /"data\/link\/x\/".*through the symbolic link/)
  })

  it('refuses writing through a symlink reached with . and doubled slashes', async function () {
    const tar = rawTar([dir('data/'), {path: 'data/link', type: 'SymbolicLink', linkpath: '/etc'}, file('./data//./link/passwd')])
    await refused(tar, /through the symbolic link "data\/link"/)
  })

  it('refuses writing through a hard link to a symlink', async function () {
    const tar = rawTar([
      dir('data/'),
      {path: 'data/link', type: 'SymbolicLink', linkpath: '/etc'},
      {path: 'data/hard', type: 'Link', linkpath: 'data/link'},
      file('data/hard/passwd'),
    ])
    await refused(tar, /"data\/hard\/passwd".*through the symbolic link "data\/hard"/)
  })

  it('refuses a hard link to an absolute path', async function () {
    await refused(rawTar([dir('data/'), {path: 'data/h', type: 'Link', linkpath: '/etc/passwd'}]), /"data\/h".*hard link target is absolute/)
  })

  it('refuses a hard link whose target has ..', async function () {
    const tar = rawTar([dir('data/'), file('data/a'), {path: 'data/h', type: 'Link', linkpath: 'data/../../etc/passwd'}])
    await refused(tar, /"data\/h".*hard link target contains a '\.\.' segment/)
  })

  it('refuses a hard link to something that is not an earlier entry', async function () {
    await refused(rawTar([dir('data/'), {path: 'data/h', type: 'Link', linkpath: 'data/later'}, file('data/later')]), /"data\/h".*not an earlier file/)
  })

  it('refuses a hard link to a directory', async function () {
    await refused(rawTar([dir('data/'), dir('data/d/'), {path: 'data/h', type: 'Link', linkpath: 'data/d'}]), /"data\/h".*not an earlier file/)
  })

  it('refuses device nodes and FIFOs unless devices are allowed', async function () {
    const char = rawTar([dir('data/'), {path: 'data/null', type: 'CharacterDevice', devmaj: 1, devmin: 3, mode: 0o666}])
    const block = rawTar([dir('data/'), {path: 'data/sda', type: 'BlockDevice', devmaj: 8, devmin: 0}])
    const fifo = rawTar([dir('data/'), {path: 'data/pipe', type: 'FIFO'}])
    await refused(char, /"data\/null".*device node or FIFO/)
    await refused(block, /"data\/sda".*device node or FIFO/)
    await refused(fifo, /"data\/pipe".*device node or FIFO/)
    expect((await scan(char, {devices: true})).entries).to.equal(2)
    expect((await scan(fifo, {devices: true})).entries).to.equal(2)
  })

  it('refuses entries outside the expected top-level name', async function () {
    await refused(rawTar([dir('data/'), file('data/a')]), /"data\/".*outside "www"/, {root: 'www'})
    await refused(rawTar([dir('data/'), file('database/a')]), /"database\/a".*outside "data"/, {root: 'data'})
    expect((await scan(rawTar([dir('data/'), file('data/a')]), {root: 'data'})).root).to.equal('data')
  })

  it('refuses an archive with more than one top-level entry', async function () {
    await refused(rawTar([file('a'), file('b')]), /"b".*more than one top-level entry/)
  })

  it('refuses a top-level entry that is a symlink, which would make the destination point elsewhere', async function () {
    await refused(rawTar([{path: 'data', type: 'SymbolicLink', linkpath: '/etc'}]), /"data".*top-level entry is a symbolic link/)
  })

  it('refuses entries inside a file', async function () {
    await refused(rawTar([dir('data/'), file('data/f'), file('data/f/g')]), /"data\/f\/g".*not a directory/)
  })

  it('refuses an archive cut at an entry boundary, without its end-of-archive marker', async function () {
    await refused(rawTar([dir('data/'), file('data/a')], {end: false}), /truncated.*end-of-archive/)
  })

  it('refuses an archive cut in the middle of a header', async function () {
    const tar = rawTar([dir('data/'), file('data/a'), file('data/b')])
    await refused(tar.subarray(0, 512 * 3 + 200), /truncated/)
  })

  it('refuses an archive cut in the middle of a file', async function () {
    const tar = rawTar([dir('data/'), file('data/a', 'y'.repeat(5000))])
    await refused(tar.subarray(0, 512 * 2 + 2000), /Truncated input/)
  })

  it('refuses an archive with a damaged header', async function () {
    const tar = rawTar([dir('data/'), file('data/a'), file('data/b')])
    tar[512 * 3 + 10] ^= 0x41 // the name in data/b's header
    await refused(tar, /checksum/)
  })

  it('refuses a gzip stream instead of a plain tar', async function () {
    await refused(gzipSync(rawTar([dir('data/'), file('data/a')])), /not a plain tar/)
  })

  it('refuses something that is not a tar at all', async function () {
    await refused(Buffer.from('just some text, not an archive\n'.repeat(40)), /checksum|Unrecognized archive/)
  })

  it('ignores zero padding after the end-of-archive marker, as tar writes it', async function () {
    const tar = Buffer.concat([rawTar([dir('data/'), file('data/a')]), Buffer.alloc(8192)])
    expect((await scan(tar)).entries).to.equal(2)
  })
})
