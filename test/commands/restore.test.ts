// `backupbot restore` of a host directory. It asks the engine which containers use the path (to
// stop them meanwhile), also with --dry-run; here a stub that knows no containers answers, or
// nothing does: the refusals (exit 1), usage errors (2) and the lock (3) come before any of it.
import {expect} from 'chai'
import {existsSync} from 'node:fs'
import {readFile, readdir, rename, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {backedUpProject, emptyEngine, type EmptyEngine, jsonOf, lockTarget, sandbox, type Sandbox} from '../support/run-command.js'

describe('backupbot restore', function () {
  let sb: Sandbox
  let dir: string
  let artifact: string
  let engine: EmptyEngine
  const withEngine = (args: string[]) => sb.run(args, dir, {DOCKER_HOST: engine.dockerHost})

  beforeEach(async function () {
    sb = await sandbox()
    engine = await emptyEngine(sb.dir)
    dir = await backedUpProject(sb)
    artifact = path.join(dir, 'backups', 'app', 'bind_mounts', 'data', 'data.1', 'data.tar.gz')
    // Changed since the backup: a restore would replace it.
    await writeFile(path.join(dir, 'data', 'file.txt'), 'changed\n')
  })

  afterEach(async function () {
    await engine.close()
    await sb.remove()
  })

  it('says with --dry-run --json what it would replace, and touches nothing', async function () {
    const outcome = await withEngine(['restore', 'app', 'data', '--dry-run', '--force', '--json'])
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect(jsonOf(outcome)).to.deep.equal({
      ok: true,
      dryRun: true,
      items: [
        {
          service: 'app',
          scheme: 'backup_host_directories',
          item: 'data',
          version: 1,
          file: artifact,
          destination: path.join(dir, 'data'),
          stopped: [],
          replaced: true,
          status: 'ok',
        },
      ],
    })
    expect(await readFile(path.join(dir, 'data', 'file.txt'), 'utf8')).to.equal('changed\n')
    expect(engine.requests.every((r) => /^GET \S*\/containers\/json/.test(r)), engine.requests.join(', ')).to.equal(true)
  })

  it('says with --dry-run on stdout what it would do', async function () {
    const outcome = await withEngine(['restore', 'app', '--dry-run', '--force'])
    expect(outcome.exitCode).to.equal(0)
    expect(outcome.stdout).to.equal(`would restore app data .1 -> ${path.join(dir, 'data')} (replacing what was there)\ndry run: nothing was touched\n`)
  })

  it("restores from the first of the settings file's targets without --target, and validates the whole file", async function () {
    const settings = (cron: string) => JSON.stringify({app: [{type: 'backup_host_directories', directories: ['./data']}], $settings: {targets: ['./elsewhere', './second'], schedule: {cron}}})
    await rename(path.join(dir, 'backups'), path.join(dir, 'elsewhere'))
    await writeFile(path.join(dir, 'backupbot.json'), settings('0 3 * * *'))
    const outcome = await withEngine(['restore', 'app', 'data', '--dry-run', '--force', '--json'])
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    const file = path.join(dir, 'elsewhere', 'app', 'bind_mounts', 'data', 'data.1', 'data.tar.gz')
    expect(jsonOf(outcome).items[0]).to.include({service: 'app', item: 'data', status: 'ok', file})
    expect(outcome.stderr).to.contain('backupbot.json: $settings.targets names 2 targets; using the first (--target chooses another)')
    const flagged = await withEngine(['restore', 'app', 'data', '--dry-run', '--force', '--json', '--target', './second'])
    expect(flagged.exitCode).to.equal(1)
    await writeFile(path.join(dir, 'backupbot.json'), settings('0 3 * *'))
    const refused = await withEngine(['restore', 'app', 'data', '--dry-run', '--force'])
    expect(refused.exitCode).to.equal(2)
    expect(refused.stderr).to.contain('backupbot.json: $settings.schedule.cron: not a valid cron expression')
  })

  it('exits 1 with --dry-run too when the destination holds data and --force is not given', async function () {
    const outcome = await sb.run(['restore', 'app', 'data', '--dry-run', '--json'], dir)
    expect(outcome.exitCode).to.equal(1)
    const doc = jsonOf(outcome)
    expect(doc).to.include({ok: false, dryRun: true})
    expect(doc.items[0]).to.include({status: 'failed'})
    expect(doc.items[0].error).to.contain('is not empty: use --force')
  })

  it('exits 1 and leaves the destination alone when it holds data and --force is not given', async function () {
    const outcome = await sb.run(['restore', 'app', 'data'], dir)
    expect(outcome.exitCode).to.equal(1)
    expect(outcome.stdout).to.match(/^FAILED +app data \.1 +\S+ is not empty: use --force/)
    expect(outcome.stderr).to.contain('warning: app bind_mounts/data: restore failed: ')
    expect(await readFile(path.join(dir, 'data', 'file.txt'), 'utf8')).to.equal('changed\n')
  })

  it('puts the version back into --to and exits 0', async function () {
    const to = path.join(sb.dir, 'restored')
    const outcome = await withEngine(['restore', 'app', 'data', '--to', to, '--json'])
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    const doc = jsonOf(outcome)
    expect(doc.ok).to.equal(true)
    expect(doc.items[0]).to.include({item: 'data', version: 1, destination: to, replaced: false, status: 'ok'})
    expect((await readdir(to)).sort()).to.deep.equal(['.keep', 'file.txt'])
    expect(await readFile(path.join(to, 'file.txt'), 'utf8')).to.equal('hello\n')
  })

  it('replaces the original directory exactly with --force', async function () {
    await writeFile(path.join(dir, 'data', 'new.txt'), 'not in the backup\n')
    const outcome = await withEngine(['restore', 'app', 'data', '--force'])
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect((await readdir(path.join(dir, 'data'))).sort()).to.deep.equal(['.keep', 'file.txt'])
    expect(await readFile(path.join(dir, 'data', 'file.txt'), 'utf8')).to.equal('hello\n')
  })

  it('exits 1 and touches nothing when the artifact is damaged', async function () {
    const bytes = await readFile(artifact)
    bytes[Math.floor(bytes.length / 2)] ^= 0xff
    await writeFile(artifact, bytes)
    const outcome = await sb.run(['restore', 'app', 'data', '--force', '--json'], dir)
    expect(outcome.exitCode).to.equal(1)
    expect(jsonOf(outcome).items[0].error).to.match(/^checksum mismatch for /)
    expect(await readFile(path.join(dir, 'data', 'file.txt'), 'utf8')).to.equal('changed\n')
  })

  it('exits 1 when the version asked for does not exist', async function () {
    const outcome = await sb.run(['restore', 'app', 'data', '--version', '2', '--force'], dir)
    expect(outcome.exitCode).to.equal(1)
    expect(outcome.stdout).to.contain('no version 2 of bind_mounts/data')
  })

  it('exits 2 for an item the service does not have, listing the ones it has', async function () {
    const outcome = await sb.run(['restore', 'app', 'nosuchitem'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stdout).to.equal('')
    expect(outcome.stderr).to.equal('backupbot: service app has no backed-up item nosuchitem\n  hint: its items: bind_mounts/data\n')
  })

  it("exits 2 for --host with the local tree, which holds one machine's backups, and touches nothing", async function () {
    const outcome = await sb.run(['restore', 'app', 'data', '--force', '--host', 'old-web'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stderr).to.contain(`backupbot: --host is for a store that several machines share (restic:<repo>), but the local tree ${path.join(dir, 'backups')} holds one machine's backups`)
    expect(await readFile(path.join(dir, 'data', 'file.txt'), 'utf8')).to.equal('changed\n')
  })

  it('exits 2 without the service argument', async function () {
    const outcome = await sb.run(['restore'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.error?.message).to.contain('Missing 1 required arg')
  })

  it('exits 3 and touches nothing while a live process holds the target lock', async function () {
    const lock = await lockTarget(path.join(dir, 'backups'))
    const outcome = await sb.run(['restore', 'app', 'data', '--force'], dir)
    expect(outcome.exitCode).to.equal(3)
    expect(outcome.stderr).to.contain(`backupbot: the target is locked by ${lock}: held by this very process`)
    expect(await readFile(path.join(dir, 'data', 'file.txt'), 'utf8')).to.equal('changed\n')
    expect(existsSync(lock)).to.equal(true)
  })
})
