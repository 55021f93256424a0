// `backup` with run settings in the scheme config file (`$settings`): the file's targets,
// compression and retention apply unless a flag (or BACKUPBOT_TARGET) is given, which wins.
// list-versions and verify read from the file's first target in the same way.
import {expect} from 'chai'
import {existsSync} from 'node:fs'
import {readdir, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {bindProject, jsonOf, type Sandbox, useSandbox} from '../support/run-command.js'

const config = (settings: object) => JSON.stringify({app: [{type: 'backup_host_directories', directories: ['./data']}], $settings: settings})

describe('backupbot backup with a settings file', function () {
  let sb: Sandbox
  useSandbox((created) => (sb = created))

  it('plans into the file\'s target, and a --target flag replaces it', async function () {
    const dir = await bindProject(sb, {'backupbot.json': config({targets: ['./from-file']})})
    const planned = jsonOf(await sb.run(['backup', '--dry-run', '--json'], dir))
    expect(planned.target).to.equal(path.join(dir, 'from-file'))
    expect(planned.items[0].folder).to.equal(path.join(dir, 'from-file', 'app', 'bind_mounts', 'data'))
    const overridden = jsonOf(await sb.run(['backup', '--dry-run', '--json', '--target', './from-flag'], dir))
    expect(overridden.target).to.equal(path.join(dir, 'from-flag'))
    expect(existsSync(path.join(dir, 'from-file'))).to.equal(false)
  })

  it('lets BACKUPBOT_TARGET win over the file too, as the flag would', async function () {
    const dir = await bindProject(sb, {'backupbot.json': config({targets: ['./from-file']})})
    const planned = jsonOf(await sb.run(['backup', '--dry-run', '--json'], dir, {BACKUPBOT_TARGET: './from-env'}))
    expect(planned.target).to.equal(path.join(dir, 'from-env'))
  })

  it('backs up into every target of the file, compressed and rotated as the file says', async function () {
    const dir = await bindProject(sb, {'backupbot.json': config({targets: ['./a', './b'], compression: 'none', retention: {keep: 1}})})
    for (let run = 0; run < 2; run++) expect((await sb.run(['backup', '--quiet'], dir)).exitCode).to.equal(0)
    for (const target of ['a', 'b']) {
      const item = path.join(dir, target, 'app', 'bind_mounts', 'data')
      expect(await readdir(item), target).to.deep.equal(['data.1'])
      expect((await readdir(path.join(item, 'data.1'))).sort()).to.deep.equal(['data.tar', 'manifest.json'])
    }
    expect(existsSync(path.join(dir, 'backups'))).to.equal(false)
  })

  it('lets the flags replace the file\'s compression and its whole retention policy', async function () {
    const dir = await bindProject(sb, {'backupbot.json': config({targets: ['./a'], compression: 'none', retention: {keep: 1}})})
    // --keep-within alone keeps every version made within a year: the file's keep: 1 no longer applies.
    for (let run = 0; run < 3; run++) expect((await sb.run(['backup', '--quiet', '--keep-within', '1y', '--compression', 'gzip'], dir)).exitCode).to.equal(0)
    const item = path.join(dir, 'a', 'app', 'bind_mounts', 'data')
    expect((await readdir(item)).sort()).to.deep.equal(['data.1', 'data.2', 'data.3'])
    expect(await readdir(path.join(item, 'data.1'))).to.include('data.tar.gz')
  })

  it("has list-versions and verify read the file's first target; --target and BACKUPBOT_TARGET win over it", async function () {
    const dir = await bindProject(sb, {'backupbot.json': config({targets: ['./a', './b']})})
    expect((await sb.run(['backup', '--quiet'], dir)).exitCode).to.equal(0)
    const listed = await sb.run(['list-versions', '--json'], dir)
    expect(jsonOf(listed).target).to.equal(path.join(dir, 'a'))
    expect(jsonOf(listed).items).to.have.length(1)
    expect(listed.stderr).to.contain('$settings.targets names 2 targets; using the first')
    expect(jsonOf(await sb.run(['list-versions', '--json', '--target', './b'], dir)).target).to.equal(path.join(dir, 'b'))
    expect(jsonOf(await sb.run(['list-versions', '--json'], dir, {BACKUPBOT_TARGET: './c'})).target).to.equal(path.join(dir, 'c'))
    const verified = await sb.run(['verify', '--json'], dir)
    expect(verified.exitCode, verified.stderr).to.equal(0)
    expect(jsonOf(verified).items.map((i: {file: string}) => i.file)).to.deep.equal([path.join(dir, 'a', 'app', 'bind_mounts', 'data', 'data.1', 'data.tar.gz')])
    // Read only without --target: a broken file is then exit 2, as for backup.
    await writeFile(path.join(dir, 'backupbot.json'), config({targets: ['./a'], schedule: {cron: 'every night'}}))
    expect((await sb.run(['list-versions', '--json'], dir)).exitCode).to.equal(2)
    expect((await sb.run(['list-versions', '--json', '--target', './a'], dir)).exitCode).to.equal(0)
  })

  it('refuses a bad settings file before anything is touched, exit 2', async function () {
    const dir = await bindProject(sb, {'backupbot.json': config({targets: ['./a'], schedule: {cron: 'every night'}})})
    const outcome = await sb.run(['backup'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stderr).to.contain('backupbot.json: $settings.schedule.cron: not a valid cron expression')
    expect(existsSync(path.join(dir, 'a'))).to.equal(false)
  })
})
