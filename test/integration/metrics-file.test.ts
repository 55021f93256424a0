// `backup --metrics-file` around real backups of a named volume (scheme backup_volume, which stops
// the service): a run that succeeds, one whose item fails, one interrupted by SIGTERM. The file is
// read back with a Prometheus text-format parser after each.
import {expect} from 'chai'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {runCli, spawnCli} from '../support/cli.js'
import {type ComposeProject, cleanupTestResources, startComposeProject, waitUntil} from '../support/compose.js'
import {docker, requireEngine, requireImages, TEST_IMAGES} from '../support/engine.js'
import {readMetrics} from '../support/prometheus.js'

const fixture = fileURLToPath(new URL('../fixtures/volume-project', import.meta.url))

describe('the metrics file of real backups', function () {
  let project: ComposeProject
  let dataDir: string
  let env: Record<string, string>
  let file: string
  let target: string
  let labels: Record<string, string>

  async function config(name: string, entry: object): Promise<string> {
    const at = path.join(project.dir, `${name}.json`)
    await writeFile(at, JSON.stringify({app: [{type: 'backup_volume', volumes: ['appdata'], ...entry}]}))
    return at
  }
  const args = (configFile: string) => ['backup', '--config', configFile, '--target', target, '--metrics-file', file, '--json']
  const running = async () => (await docker().getContainer(await project.containerId('app')).inspect()).State.Running

  before(async function () {
    this.timeout(300_000)
    await requireEngine()
    await requireImages(TEST_IMAGES.busybox)
    await cleanupTestResources()
    project = await startComposeProject(fixture, {services: ['app']})
    await project.exec('app', ['sh', '-c', 'echo hello > /var/lib/app/hello.txt'])
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'bb-metrics-data-'))
    env = {BACKUPBOT_DATA_DIR: dataDir, BACKUPBOT_HELPER_IMAGE: TEST_IMAGES.busybox}
    file = path.join(project.dir, 'backupbot.prom')
    target = path.join(project.dir, 'backups')
    labels = {project: project.name, service: 'app', scheme: 'backup_volume', item: 'appdata', target}
  })

  after(async function () {
    this.timeout(120_000)
    await project?.down()
    await cleanupTestResources()
    if (dataDir) await rm(dataDir, {recursive: true, force: true})
  })

  let succeeded: number

  it('holds the run and the item, with the seconds its service was down, after a run that succeeded', async function () {
    const r = await runCli(args(await config('ok', {})), {cwd: project.dir, env, reject: false})
    expect(r.exitCode, r.stderr).to.equal(0)
    const [item] = JSON.parse(r.stdout).items
    const m = await readMetrics(file)
    succeeded = m.value('backupbot_run_last_timestamp_seconds')!
    expect(m.value('backupbot_run_last_success_timestamp_seconds')).to.equal(succeeded)
    expect(m.value('backupbot_run_status')).to.equal(1)
    expect(m.value('backupbot_run_exit_code')).to.equal(0)
    expect(m.value('backupbot_run_duration_seconds')).to.be.at.least(item.seconds)
    expect(m.value('backupbot_item_status', labels)).to.equal(1)
    expect(m.value('backupbot_item_bytes', labels)).to.equal(item.bytes).and.to.be.above(0)
    expect(m.value('backupbot_item_duration_seconds', labels)).to.equal(item.seconds)
    expect(item.downtimeSeconds).to.be.a('number')
    expect(m.value('backupbot_item_downtime_seconds', labels)).to.equal(item.downtimeSeconds)
    expect(m.value('backupbot_item_last_success_timestamp_seconds', labels)).to.equal(succeeded)
  })

  it('keeps the last successes of the run and the item after the item failed', async function () {
    const r = await runCli(args(await config('failing', {command: 'tar -czf - /no/such/path', use_mountpoint: false})), {cwd: project.dir, env, reject: false})
    expect(r.exitCode, r.stderr).to.equal(1)
    const m = await readMetrics(file)
    expect(m.value('backupbot_run_last_timestamp_seconds')).to.be.above(succeeded)
    expect(m.value('backupbot_run_last_success_timestamp_seconds')).to.equal(succeeded)
    expect(m.value('backupbot_run_status')).to.equal(0)
    expect(m.value('backupbot_run_exit_code')).to.equal(1)
    expect(m.value('backupbot_item_status', labels)).to.equal(0)
    expect(m.value('backupbot_item_bytes', labels)).to.equal(undefined)
    expect(m.value('backupbot_item_last_success_timestamp_seconds', labels)).to.equal(succeeded)
  })

  it('is written when SIGTERM interrupts the run: exit code 130, status 0, the last successes kept', async function () {
    const child = spawnCli(args(await config('slow', {command: 'sleep 30', use_mountpoint: false})), {cwd: project.dir, env})
    await waitUntil(async () => !(await running()), {timeoutMs: 60_000, intervalMs: 50, what: 'the app service to be stopped'})
    child.kill('SIGTERM')
    const r = await child
    expect(r.exitCode, r.stderr).to.equal(130)
    expect(await running()).to.equal(true)
    const m = await readMetrics(file)
    expect(m.value('backupbot_run_exit_code')).to.equal(130)
    expect(m.value('backupbot_run_status')).to.equal(0)
    expect(m.value('backupbot_run_last_success_timestamp_seconds')).to.equal(succeeded)
    expect(m.value('backupbot_item_status', labels)).to.equal(0)
    expect(m.value('backupbot_item_last_success_timestamp_seconds', labels)).to.equal(succeeded)
  })
})
