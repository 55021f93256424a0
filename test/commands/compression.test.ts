// `backup --compression` and a config entry's `compression:`, whole commands as a script runs
// them: a host directory needs no Docker engine, so a zstd version is made, verified and restored
// here for real, a damaged .zst is caught, and a missing zstd program stops the run at once.
import {expect} from 'chai'
import {execa} from 'execa'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {zstdEngine} from '../../src/archive/zstd.js'
import {bindProject, emptyEngine, expectJsonError, jsonOf, type Sandbox, useSandbox} from '../support/run-command.js'

const itemDir = (dir: string) => path.join(dir, 'backups', 'app', 'bind_mounts', 'data')

/** Rewrites the artifact and its manifest's sha256 and size: damage the checksum cannot see (made so when written). */
async function rewriteConsistently(file: string, bytes: Buffer): Promise<void> {
  await writeFile(file, bytes)
  const manifestFile = path.join(path.dirname(file), 'manifest.json')
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8'))
  await writeFile(manifestFile, JSON.stringify({...manifest, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex')}, null, 2))
}

describe('backupbot backup --compression', function () {
  let sb: Sandbox
  useSandbox((created) => (sb = created))

  it('stores zstd as .tar.zst that `zstd -dc | tar -t` reads, verify checks to its end and restore puts back', async function () {
    const dir = await bindProject(sb, {'data/notes.txt': 'compressible line\n'.repeat(5000)})
    const outcome = await sb.run(['backup', '--compression', 'zstd', '--json'], dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    const file = path.join(itemDir(dir), 'data.1', 'data.tar.zst')
    expect(jsonOf(outcome).items[0]).to.include({file, status: 'ok'})
    const listed = await execa('bash', ['-c', 'zstd -dc "$0" | tar -t', file])
    expect(listed.stdout.split('\n')).to.include.members(['data/', 'data/file.txt', 'data/notes.txt'])

    const verified = await sb.run(['verify', '--json'], dir)
    expect(verified.exitCode, verified.stdout).to.equal(0)
    expect(jsonOf(verified).items[0]).to.include({file, status: 'ok'}).and.to.deep.include({checks: ['sha256', 'zstd', 'tar']})

    await writeFile(path.join(dir, 'data', 'file.txt'), 'changed\n')
    const engine = await emptyEngine(sb.dir)
    try {
      const restored = await sb.run(['restore', 'app', 'data', '--force'], dir, {DOCKER_HOST: engine.dockerHost})
      expect(restored.exitCode, restored.stderr).to.equal(0)
    } finally {
      await engine.close()
    }
    expect(await readFile(path.join(dir, 'data', 'file.txt'), 'utf8')).to.equal('hello\n')
  })

  it('stores none as the plain .tar the scheme wrote', async function () {
    const dir = await bindProject(sb)
    const outcome = await sb.run(['backup', '--compression', 'none', '--json'], dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    const file = path.join(itemDir(dir), 'data.1', 'data.tar')
    expect(jsonOf(outcome).items[0].file).to.equal(file)
    expect((await execa('tar', ['-tf', file])).stdout).to.contain('data/file.txt')
    expect(jsonOf(await sb.run(['verify', '--json'], dir)).items[0].checks).to.deep.equal(['sha256', 'tar'])
  })

  it('stores gzip without the flag', async function () {
    const dir = await bindProject(sb)
    expect(jsonOf(await sb.run(['backup', '--json'], dir)).items[0].file).to.equal(path.join(itemDir(dir), 'data.1', 'data.tar.gz'))
  })

  it("lets a scheme config entry's compression: win over the flag for its items", async function () {
    const config = {app: [{type: 'backup_host_directories', compression: 'zstd'}]}
    const dir = await bindProject(sb, {'backupbot.json': JSON.stringify(config)})
    const outcome = await sb.run(['backup', '--compression', 'gzip', '--json'], dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect(jsonOf(outcome).items[0].file).to.equal(path.join(itemDir(dir), 'data.1', 'data.tar.zst'))
  })

  it('exits 2 for an unknown --compression, naming the choices, and touches nothing', async function () {
    const dir = await bindProject(sb)
    const error = expectJsonError(await sb.run(['backup', '--compression', 'xz', '--json'], dir), 2)
    expect(error.message).to.contain('Expected --compression=xz to be one of: gzip, zstd, none')
    expect(existsSync(path.join(dir, 'backups'))).to.equal(false)
  })

  it('exits 2 for an unknown compression: in the scheme config, naming the file and the key, and touches nothing', async function () {
    const config = {app: [{type: 'backup_host_directories', compression: 'bzip2'}]}
    const dir = await bindProject(sb, {'backupbot.json': JSON.stringify(config)})
    const outcome = await sb.run(['backup'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stderr).to.contain('backupbot: backupbot.json: app[0].compression: must be one of "gzip", "zstd", "none"')
    expect(existsSync(path.join(dir, 'backups'))).to.equal(false)
  })

  it('exits 2 with apt-get install zstd before anything is touched when zstd is chosen and neither Node nor PATH has it', async function () {
    const dir = await bindProject(sb)
    const empty = path.join(sb.dir, 'empty-path')
    await mkdir(empty)
    const outcome = await sb.run(['backup', '--compression', 'zstd', '--json'], dir, {PATH: empty})
    if (zstdEngine() === 'zlib') {
      // Node 22.15+ compresses zstd itself.
      expect(outcome.exitCode, outcome.stderr).to.equal(0)
      return
    }
    const error = expectJsonError(outcome, 2)
    expect(error.message).to.match(/^zstd compression needs the zstd program on Node\.js v[\d.]+ \(its zlib has no zstd\), and the program is not installed \(not on PATH\): nothing was backed up$/)
    expect(error.suggestions.join('\n')).to.contain('apt-get install zstd')
    expect(existsSync(path.join(dir, 'backups'))).to.equal(false)
    // gzip still works without it.
    expect((await sb.run(['backup'], dir, {PATH: empty})).exitCode).to.equal(0)
  })

  describe('a damaged .zst whose checksum matches (made so when it was written)', function () {
    let dir: string
    let file: string
    let zst: Buffer

    beforeEach(async function () {
      dir = await bindProject(sb, {'data/notes.txt': 'compressible line\n'.repeat(5000)})
      expect((await sb.run(['backup', '--compression', 'zstd'], dir)).exitCode).to.equal(0)
      file = path.join(itemDir(dir), 'data.1', 'data.tar.zst')
      zst = await readFile(file)
      await writeFile(path.join(dir, 'data', 'file.txt'), 'changed\n')
    })

    it('is caught by verify (exit 1) when it is cut short', async function () {
      await rewriteConsistently(file, zst.subarray(0, zst.length - 10))
      const outcome = await sb.run(['verify', '--json'], dir)
      expect(outcome.exitCode).to.equal(1)
      expect(jsonOf(outcome).items[0]).to.include({status: 'failed'})
      expect(jsonOf(outcome).items[0].error).to.match(new RegExp(`^${file} is truncated: its zstd data ends early`))
    })

    it('is caught by verify (exit 1) when bytes follow its last frame', async function () {
      await rewriteConsistently(file, Buffer.concat([zst, Buffer.from('left over')]))
      const outcome = await sb.run(['verify'], dir)
      expect(outcome.exitCode).to.equal(1)
      expect(outcome.stdout).to.contain('are not zstd data')
    })

    it('is refused by restore (exit 1) before anything is touched', async function () {
      await rewriteConsistently(file, zst.subarray(0, zst.length - 10))
      const engine = await emptyEngine(sb.dir)
      try {
        const outcome = await sb.run(['restore', 'app', 'data', '--force', '--json'], dir, {DOCKER_HOST: engine.dockerHost})
        expect(outcome.exitCode).to.equal(1)
        expect(jsonOf(outcome).items[0].error).to.contain(`${file} is truncated`)
      } finally {
        await engine.close()
      }
      expect(await readFile(path.join(dir, 'data', 'file.txt'), 'utf8')).to.equal('changed\n')
    })
  })
})
