// `backup --metrics-file`: the file after real runs of the bind-project fixture (no engine needed),
// read back with a Prometheus text-format parser.
import {expect} from 'chai'
import {existsSync} from 'node:fs'
import path from 'node:path'

import {bindProject, jsonOf, lockTarget, type Sandbox, useSandbox} from '../support/run-command.js'
import {readMetrics} from '../support/prometheus.js'

describe('backup --metrics-file', function () {
  let sb: Sandbox
  useSandbox((created) => (sb = created))

  it('holds the run and its item after a run, and keeps the last success through a refused lock', async function () {
    const dir = await bindProject(sb)
    const file = path.join(sb.dir, 'backupbot.prom')
    const before = Date.now() / 1000
    const first = await sb.run(['backup', '--json', '--metrics-file', file], dir)
    expect(first.exitCode, first.stderr).to.equal(0)
    const [item] = jsonOf(first).items
    let m = await readMetrics(file)
    const ended = m.value('backupbot_run_last_timestamp_seconds')!
    expect(ended).to.be.within(before, Date.now() / 1000)
    expect(m.value('backupbot_run_last_success_timestamp_seconds')).to.equal(ended)
    expect(m.value('backupbot_run_status')).to.equal(1)
    expect(m.value('backupbot_run_exit_code')).to.equal(0)
    expect(m.value('backupbot_run_duration_seconds')).to.be.within(item.seconds, Date.now() / 1000 - before)
    const labels = {project: 'bind-project', service: 'app', scheme: 'backup_host_directories', item: 'data', target: path.join(dir, 'backups')}
    expect(m.samples('backupbot_item_status')).to.deep.equal([{labels, value: '1'}])
    expect(m.value('backupbot_item_bytes', labels)).to.equal(item.bytes)
    expect(m.value('backupbot_item_duration_seconds', labels)).to.equal(item.seconds)
    expect(m.value('backupbot_item_last_success_timestamp_seconds', labels)).to.equal(ended)
    expect(m.samples('backupbot_item_downtime_seconds')).to.deep.equal([])

    await lockTarget(path.join(dir, 'backups'))
    const locked = await sb.run(['backup', '--metrics-file', file], dir)
    expect(locked.exitCode).to.equal(3)
    m = await readMetrics(file)
    expect(m.value('backupbot_run_last_timestamp_seconds')).to.be.above(ended)
    expect(m.value('backupbot_run_last_success_timestamp_seconds')).to.equal(ended)
    expect(m.value('backupbot_run_status')).to.equal(0)
    expect(m.value('backupbot_run_exit_code')).to.equal(3)
    expect(m.samples('backupbot_item_status')).to.deep.equal([])
  })

  it('warns when it cannot write the file, and the backup still succeeds', async function () {
    const dir = await bindProject(sb)
    const file = path.join(sb.dir, 'no-such-dir', 'backupbot.prom')
    const outcome = await sb.run(['backup', '--metrics-file', file], dir)
    expect(outcome.exitCode).to.equal(0)
    expect(outcome.stderr).to.contain(`warning: cannot write the metrics file ${file}: ENOENT`)
  })

  it('is not written by a dry run', async function () {
    const dir = await bindProject(sb)
    const file = path.join(sb.dir, 'backupbot.prom')
    expect((await sb.run(['backup', '--dry-run', '--metrics-file', file], dir)).exitCode).to.equal(0)
    expect(existsSync(file)).to.equal(false)
  })
})
