import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {chmod, chown, lchown, link, lstat, lutimes, mkdir, readFile, readdir, stat, symlink, utimes, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {execFile} from 'node:child_process'
import {promisify} from 'node:util'

import {extractArchive} from '../../../src/archive/extract.js'
import {openDecompressed} from '../../../src/archive/compression.js'
import {archiveOps} from '../../../src/archive/index.js'
import type {StoredArtifact} from '../../../src/scheme.js'
import {type EntrySnapshot, packToFile, rawTarGz, snapshot, stagingLeftovers, tempDir, writeGz} from '../../support/tar.js'
import {requireCapability} from '../../support/requires.js'

const at = (iso: string) => new Date(iso)
const execFileAsync = promisify(execFile)

/**
 * A tree with what a restore must keep: odd modes (set-uid, sticky, group-writable, read-only
 * directory), several owners, relative, absolute and dangling symlinks with their own owner and
 * mtime, a hard link pair, a file with spaces, empty file and directory; mtimes everywhere, set
 * deepest first so that the directories' stay.
 */
async function makeTree(root: string): Promise<void> {
  await mkdir(path.join(root, 'sub', 'deep'), {recursive: true})
  await mkdir(path.join(root, 'empty dir'))
  const files: Array<[string, string | Buffer, number, number, number]> = [
    ['a.txt', 'hello\n', 0o644, 0, 0],
    ['my file with spaces.txt', 'spaces\n', 0o600, 1003, 1003],
    ['script.sh', '#!/bin/sh\necho hi\n', 0o775, 1001, 1002],
    ['suid', 'binary', 0o4755, 0, 0],
    ['group-writable', 'gw', 0o664, 33, 33],
    ['empty', '', 0o640, 1001, 1001],
    ['random.bin', randomBytes(300_000), 0o644, 0, 0],
    ['sub/deep/x.txt', 'deep', 0o444, 1005, 1006],
    ['hard1', 'linked', 0o644, 1001, 1001],
  ]
  for (const [name, content, mode, uid, gid] of files) {
    const file = path.join(root, name)
    await writeFile(file, content)
    await chown(file, uid, gid)
    await chmod(file, mode)
    await utimes(file, at('2020-05-06T07:08:09Z'), at('2019-01-02T03:04:05Z'))
  }
  await link(path.join(root, 'hard1'), path.join(root, 'hard2'))
  const links: Array<[string, string]> = [
    ['link-abs', '/etc/passwd'],
    ['sub/link-rel', '../a.txt'],
    ['dangling', '/nonexistent/target'],
  ]
  for (const [name, target] of links) {
    await symlink(target, path.join(root, name))
    await lchown(path.join(root, name), 1007, 1008)
    await lutimes(path.join(root, name), at('2018-01-01T00:00:00Z'), at('2018-02-03T04:05:06Z'))
  }
  const dirs: Array<[string, number, number, string]> = [
    ['sub/deep', 0o555, 1005, '2017-06-07T08:09:10Z'],
    ['sub', 0o750, 1001, '2016-01-01T00:00:00Z'],
    ['empty dir', 0o1777, 0, '2015-05-05T05:05:05Z'],
    ['', 0o751, 1234, '2014-04-04T04:04:04Z'],
  ]
  for (const [name, mode, uid, mtime] of dirs) {
    const dir = path.join(root, name)
    await chown(dir, uid, uid + 1)
    await chmod(dir, mode)
    await utimes(dir, at('2020-01-01T00:00:00Z'), at(mtime))
  }
}

describe('extractArchive', function () {
  let base: string
  let cleanup: () => Promise<void>
  let source: string
  let archive: string
  let expected: Record<string, EntrySnapshot>

  beforeEach(async function () {
    ;({dir: base, cleanup} = await tempDir('backupbot-extract-'))
    source = path.join(base, 'data')
    await mkdir(source)
    await makeTree(source)
    archive = await packToFile(source, path.join(base, 'data.tar.gz'))
    expected = await snapshot(source)
  })

  afterEach(async function () {
    await cleanup()
  })

  it('restores a packPath archive into a new destination with modes, owners, symlinks and mtimes', async function () {
    const destination = path.join(base, 'restore', 'nested', 'data')
    await extractArchive(() => openDecompressed(archive), destination, {replace: false, devices: false})
    expect(await snapshot(destination)).to.deep.equal(expected)
    expect(await stagingLeftovers(path.dirname(destination))).to.deep.equal([])
  })

  it('stops when backupbot is interrupted: nothing is placed and the staging is removed', async function () {
    const destination = path.join(base, 'restore', 'data')
    const controller = new AbortController()
    controller.abort(new Error('interrupted'))
    const error = await extractArchive(() => openDecompressed(archive), destination, {replace: false, devices: false, signal: controller.signal}).catch((caught: Error) => caught)
    expect((error as Error).message).to.equal('interrupted')
    expect(await readdir(path.join(base, 'restore')).catch(() => [])).to.deep.equal([])
  })

  it('restores into an existing empty directory, which keeps its inode and takes the archived mode, owner and mtime', async function () {
    const destination = path.join(base, 'target')
    await mkdir(destination, {mode: 0o700})
    const inode = (await stat(destination)).ino
    await extractArchive(() => openDecompressed(archive), destination, {replace: false, devices: false})
    expect(await snapshot(destination)).to.deep.equal(expected)
    expect((await stat(destination)).ino).to.equal(inode)
    expect(await stagingLeftovers(base)).to.deep.equal([])
  })

  it('refuses a non-empty destination without replace, saying to use --force, and changes nothing', async function () {
    const destination = path.join(base, 'target')
    await mkdir(destination)
    await writeFile(path.join(destination, 'precious.txt'), 'keep me')
    await utimes(destination, at('2001-01-01T00:00:00Z'), at('2001-01-01T00:00:00Z'))
    const before = await snapshot(destination)
    const error = await extractArchive(() => openDecompressed(archive), destination, {replace: false, devices: false}).catch((caught: Error) => caught)
    expect(error).to.be.instanceOf(Error)
    expect((error as Error).message).to.match(/not empty.*--force/)
    expect(await snapshot(destination)).to.deep.equal(before)
    expect(await stagingLeftovers(base)).to.deep.equal([])
  })

  it('with replace, makes the destination hold exactly the archive, keeping its inode and not following its symlinks', async function () {
    const destination = path.join(base, 'target')
    const outside = path.join(base, 'outside')
    await mkdir(outside)
    await writeFile(path.join(outside, 'keep.txt'), 'not part of the destination')
    await mkdir(path.join(destination, 'sub', 'extra'), {recursive: true})
    await writeFile(path.join(destination, 'a.txt'), 'old content')
    await writeFile(path.join(destination, 'not-in-archive.txt'), 'old')
    await writeFile(path.join(destination, 'sub', 'extra', 'old.txt'), 'old')
    await symlink(outside, path.join(destination, 'escape'))
    await symlink(outside, path.join(destination, 'sub', 'escape'))
    const inode = (await stat(destination)).ino
    await extractArchive(() => openDecompressed(archive), destination, {replace: true, devices: false})
    expect(await snapshot(destination)).to.deep.equal(expected)
    expect((await stat(destination)).ino).to.equal(inode)
    expect(await readFile(path.join(outside, 'keep.txt'), 'utf8')).to.equal('not part of the destination')
    expect(await stagingLeftovers(base)).to.deep.equal([])
  })

  it('replaces the content of a destination that is a mount point of its own, staging inside it so that moves stay renames', async function () {
    const destination = path.join(base, 'mounted')
    await mkdir(destination)
    const mounted = await execFileAsync('mount', ['-t', 'tmpfs', 'tmpfs', destination]).then(() => true, () => false)
    requireCapability(this, mounted, 'mounting a tmpfs needs root with CAP_SYS_ADMIN')
    try {
      await writeFile(path.join(destination, 'old.txt'), 'old')
      await extractArchive(() => openDecompressed(archive), destination, {replace: true, devices: false})
      expect(await snapshot(destination)).to.deep.equal(expected)
      expect(await stagingLeftovers(base)).to.deep.equal([])
    } finally {
      await execFileAsync('umount', [destination])
    }
  })

  it('puts the previous content back when replacing fails midway (a mount point inside cannot be moved)', async function () {
    const destination = path.join(base, 'target')
    await mkdir(path.join(destination, 'nested'), {recursive: true})
    for (const name of ['a.txt', 'b.txt', 'c.txt', 'z.txt']) await writeFile(path.join(destination, name), name)
    const mounted = await execFileAsync('mount', ['-t', 'tmpfs', 'tmpfs', path.join(destination, 'nested')]).then(() => true, () => false)
    requireCapability(this, mounted, 'mounting a tmpfs needs root with CAP_SYS_ADMIN')
    try {
      await writeFile(path.join(destination, 'nested', 'inside.txt'), 'inside')
      await utimes(destination, at('2001-01-01T00:00:00Z'), at('2001-01-01T00:00:00Z'))
      const before = await snapshot(destination)
      const error = await extractArchive(() => openDecompressed(archive), destination, {replace: true, devices: false}).catch((caught: Error) => caught)
      expect((error as NodeJS.ErrnoException).code).to.equal('EBUSY')
      expect(await snapshot(destination)).to.deep.equal(before)
      expect(await stagingLeftovers(base)).to.deep.equal([])
    } finally {
      await execFileAsync('umount', [path.join(destination, 'nested')])
    }
  })

  it('restores into the directory a destination symlink points to', async function () {
    const real = path.join(base, 'real')
    await mkdir(real)
    await symlink(real, path.join(base, 'alias'))
    await extractArchive(() => openDecompressed(archive), path.join(base, 'alias'), {replace: false, devices: false})
    expect(await snapshot(real)).to.deep.equal(expected)
    expect((await lstat(path.join(base, 'alias'))).isSymbolicLink()).to.equal(true)
  })

  it('restores a single-file archive as that file, refusing to overwrite it without replace', async function () {
    const file = path.join(base, 'config.yml')
    await writeFile(file, 'key: value\n')
    await chown(file, 33, 34)
    await chmod(file, 0o640)
    await utimes(file, at('2020-01-01T00:00:00Z'), at('2012-12-12T12:12:12Z'))
    const single = await packToFile(file, path.join(base, 'config.yml.tar.gz'))
    const wanted = (await snapshot(file))['']

    const destination = path.join(base, 'restored', 'config.yml')
    await extractArchive(() => openDecompressed(single), destination, {replace: false, devices: false})
    expect((await snapshot(destination))['']).to.deep.equal(wanted)

    await writeFile(destination, 'changed since\n')
    const error = await extractArchive(() => openDecompressed(single), destination, {replace: false, devices: false}).catch((caught: Error) => caught)
    expect((error as Error).message).to.match(/already exists.*--force/)
    expect(await readFile(destination, 'utf8')).to.equal('changed since\n')

    await extractArchive(() => openDecompressed(single), destination, {replace: true, devices: false})
    expect((await snapshot(destination))['']).to.deep.equal(wanted)
    expect(await stagingLeftovers(path.dirname(destination))).to.deep.equal([])
  })

  it('restores a single file in place of the empty directory Docker makes for a missing bind-mounted file', async function () {
    const file = path.join(base, 'app.conf')
    await writeFile(file, 'setting=1\n')
    const single = await packToFile(file, path.join(base, 'app.conf.tar.gz'))
    const destination = path.join(base, 'mounted.conf')
    await mkdir(destination)
    await extractArchive(() => openDecompressed(single), destination, {replace: false, devices: false})
    expect(await readFile(destination, 'utf8')).to.equal('setting=1\n')
  })

  it('refuses a directory archive over a file, and a single file over a non-empty directory, even with replace', async function () {
    const file = path.join(base, 'plain.txt')
    await writeFile(file, 'x')
    const error = await extractArchive(() => openDecompressed(archive), file, {replace: true, devices: false}).catch((caught: Error) => caught)
    expect((error as Error).message).to.match(/not a directory/)
    const single = await packToFile(file, path.join(base, 'plain.tar.gz'))
    const error2 = await extractArchive(() => openDecompressed(single), source, {replace: true, devices: false}).catch((caught: Error) => caught)
    expect((error2 as Error).message).to.match(/single file.*not empty/)
    expect(await snapshot(source)).to.deep.equal(expected)
  })

  it('refuses an archive cut in half, writing nothing', async function () {
    const whole = await readFile(archive)
    const cut = await writeGz(path.join(base, 'cut.tar.gz'), whole.subarray(0, Math.floor(whole.length / 2)))
    const destination = path.join(base, 'target')
    const error = await extractArchive(() => openDecompressed(cut), destination, {replace: false, devices: false}).catch((caught: Error) => caught)
    expect((error as Error).message).to.match(/truncated/)
    expect(await readdir(base)).to.not.include('target')
    expect(await stagingLeftovers(base)).to.deep.equal([])
  })

  it('refuses an archive with a byte flipped in the middle, writing nothing', async function () {
    const damaged = Buffer.from(await readFile(archive))
    damaged[Math.floor(damaged.length / 2)] ^= 0x5a
    const corrupt = await writeGz(path.join(base, 'corrupt.tar.gz'), damaged)
    const destination = path.join(base, 'target')
    await mkdir(destination)
    const error = await extractArchive(() => openDecompressed(corrupt), destination, {replace: true, devices: false}).catch((caught: Error) => caught)
    expect((error as Error).message).to.match(/corrupt|truncated|checksum/)
    expect(await readdir(destination)).to.deep.equal([])
    expect(await stagingLeftovers(base)).to.deep.equal([])
  })

  it('refuses an archive whose last gzip checksum is wrong, though its tar data is complete', async function () {
    const damaged = Buffer.from(await readFile(archive))
    damaged[damaged.length - 6] ^= 0x01 // the CRC-32 of the last gzip member
    const corrupt = await writeGz(path.join(base, 'crc.tar.gz'), damaged)
    const destination = path.join(base, 'target')
    const error = await extractArchive(() => openDecompressed(corrupt), destination, {replace: false, devices: false}).catch((caught: Error) => caught)
    expect((error as Error).message).to.match(/crc\.tar\.gz is corrupt/)
    expect(await readdir(base)).to.not.include('target')
    expect(await stagingLeftovers(base)).to.deep.equal([])
  })

  it('restores device nodes and FIFOs when devices are allowed and running as root', async function () {
    requireCapability(this, process.getuid?.() === 0, 'device nodes need root')
    const gz = rawTarGz([
      {path: 'dev/', type: 'Directory', mode: 0o755, mtime: at('2011-01-01T00:00:00Z')},
      {path: 'dev/null', type: 'CharacterDevice', devmaj: 1, devmin: 3, mode: 0o666, uid: 0, gid: 0, mtime: at('2012-01-01T00:00:00Z')},
      {path: 'dev/pipe', type: 'FIFO', mode: 0o620, uid: 1001, gid: 1002, mtime: at('2013-01-01T00:00:00Z')},
    ])
    const file = await writeGz(path.join(base, 'dev.tar.gz'), gz)
    const destination = path.join(base, 'dev')
    await extractArchive(() => openDecompressed(file), destination, {replace: false, devices: true})
    const restored = await snapshot(destination)
    expect(restored['null']).to.include({type: 'char', mode: 0o666, mtime: Date.parse('2012-01-01T00:00:00Z') / 1000})
    expect(restored['null'].rdev).to.equal((await stat('/dev/null')).rdev)
    expect(restored['pipe']).to.include({type: 'fifo', mode: 0o620, uid: 1001, gid: 1002})
    expect(restored['']).to.include({mode: 0o755, mtime: Date.parse('2011-01-01T00:00:00Z') / 1000})
  })

  it('is what archiveOps.extract does with a stored artifact', async function () {
    const artifact = {file: archive, number: 1, manifest: {}, content: () => openDecompressed(archive)} as unknown as StoredArtifact
    const log = {info() {}, warn() {}, debug() {}}
    const destination = path.join(base, 'via-ops')
    await archiveOps(log).extract(artifact, destination, {replace: false, devices: false})
    expect(await snapshot(destination)).to.deep.equal(expected)
  })
})
