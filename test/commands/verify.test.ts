// `backupbot verify`: 0 when every checked version is sound, 1 when one fails a check.
import {expect} from 'chai'
import {readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {backedUpProject, jsonOf, sandbox, type Sandbox} from '../support/run-command.js'

/** Flips one byte in the middle of the artifact: its sha256 no longer matches the manifest. */
async function damage(file: string): Promise<void> {
  const bytes = await readFile(file)
  bytes[Math.floor(bytes.length / 2)] ^= 0xff
  await writeFile(file, bytes)
}

describe('backupbot verify', function () {
  let sb: Sandbox
  let dir: string
  let artifact: string

  beforeEach(async function () {
    sb = await sandbox()
    dir = await backedUpProject(sb)
    artifact = path.join(dir, 'backups', 'app', 'bind_mounts', 'data', 'data.1', 'data.tar.gz')
  })

  afterEach(async function () {
    await sb.remove()
  })

  it('exits 0 for a sound tree and says what it checked as JSON', async function () {
    const outcome = await sb.run(['verify', '--json'], dir)
    expect(outcome.exitCode).to.equal(0)
    expect(jsonOf(outcome)).to.deep.equal({
      ok: true,
      target: path.join(dir, 'backups'),
      items: [{service: 'app', folder: 'bind_mounts', item: 'data', version: 1, file: artifact, checks: ['sha256', 'gzip', 'tar'], status: 'ok'}],
    })
  })

  it('exits 0 for a sound tree without --json and needs no compose project', async function () {
    await rm(path.join(dir, 'compose.yaml'))
    const outcome = await sb.run(['verify', '--target', path.join(dir, 'backups')], sb.dir)
    expect(outcome.exitCode).to.equal(0)
    expect(outcome.stdout).to.match(/^ok +app\/bind_mounts\/data \.1 +\(sha256, gzip, tar\)/)
  })

  it('exits 1 for a damaged artifact and reports it on stdout and stderr', async function () {
    await damage(artifact)
    const outcome = await sb.run(['verify'], dir)
    expect(outcome.exitCode).to.equal(1)
    expect(outcome.stdout).to.match(/^FAILED +app\/bind_mounts\/data \.1 +checksum mismatch for /)
    expect(outcome.stdout).to.contain('1 of 1 version(s) failed')
    expect(outcome.stderr).to.contain('warning: FAILED  app/bind_mounts/data .1: checksum mismatch')
  })

  it('exits 1 for a damaged artifact under --json too, with the failed version in the document', async function () {
    await damage(artifact)
    const outcome = await sb.run(['verify', '--json'], dir)
    expect(outcome.exitCode).to.equal(1)
    const doc = jsonOf(outcome)
    expect(doc.ok).to.equal(false)
    expect(doc.items).to.have.length(1)
    expect(doc.items[0]).to.include({service: 'app', item: 'data', version: 1, file: artifact, status: 'failed'})
    expect(doc.items[0].error).to.match(/^checksum mismatch for .*: the file is damaged or was changed$/)
  })

  it('checks every version with --all, and only the version asked for with --version', async function () {
    expect((await sb.run(['backup'], dir)).exitCode).to.equal(0)
    await damage(path.join(dir, 'backups', 'app', 'bind_mounts', 'data', 'data.2', 'data.tar.gz'))
    const newest = await sb.run(['verify', '--json'], dir)
    expect(newest.exitCode).to.equal(0)
    expect(jsonOf(newest).items.map((i: {version: number}) => i.version)).to.deep.equal([1])
    const all = await sb.run(['verify', '--all', '--json'], dir)
    expect(all.exitCode).to.equal(1)
    expect(jsonOf(all).items.map((i: {version: number; status: string}) => [i.version, i.status])).to.deep.equal([
      [1, 'ok'],
      [2, 'failed'],
    ])
    expect((await sb.run(['verify', '--version', '2'], dir)).exitCode).to.equal(1)
  })

  it('exits 2 when --version and --all are given together', async function () {
    const outcome = await sb.run(['verify', '--all', '--version', '2'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.error?.message).to.contain('--all=true cannot also be provided when using --version')
  })

  it('exits 2 for --read-data with the local tree, which has no check of its own', async function () {
    const outcome = await sb.run(['verify', '--read-data', '--json'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(jsonOf(outcome).error.message).to.equal(
      `--read-data is for a store with a check of its own (restic:<repo>), but the local tree ${path.join(dir, 'backups')} has none: verify reads every byte of each version it checks anyway`,
    )
  })
})
