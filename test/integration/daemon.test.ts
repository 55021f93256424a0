// `backupbot daemon` (the built CLI) against a real engine, on a six-field schedule every two
// seconds: runs come again and again, a tick during a long run is skipped (slow.json makes every
// run last 4 s, however fast the machine compresses), a run that finds the target locked is skipped, and SIGTERM while the service is stopped for a run ends the daemon
// cleanly with the service running again and no partial version.
import {expect} from 'chai'
import {readdir} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {spawnCli, waitForOutput} from '../support/cli.js'
import {useCliSuite, waitUntil} from '../support/compose.js'
import {docker} from '../support/engine.js'
import {lockTarget} from '../support/run-command.js'

const FIXTURE = fileURLToPath(new URL('../fixtures/daemon-project', import.meta.url))
const EVERY_TWO_SECONDS = '*/2 * * * * *'

describe('backupbot daemon with a real engine', function () {
  this.timeout(120_000)
  const suite = useCliSuite(FIXTURE)
  let appId: string

  const running = async () => (await docker().getContainer(appId).inspect()).State.Running
  /** Everything in the item's folder: versions, and any temporary leftovers. */
  const itemEntries = async (target: string) => (await readdir(path.join(target, 'app', 'named_volumes', 'data')).catch(() => [] as string[])).sort()
  const target = (name: string) => path.join(suite.project.dir, name)

  /** backupbot.json reads the volume; slow.json's "backup" is `sleep 4` with the service stopped. */
  function daemon(config: 'backupbot.json' | 'slow.json', backupArgs: string[]) {
    return spawnCli(['daemon', '--cron', EVERY_TWO_SECONDS, '--timezone', 'UTC', '--', '--config', config, ...backupArgs], {
      cwd: suite.project.dir,
      env: suite.env,
      timeoutMs: 90_000,
    })
  }

  before(async function () {
    appId = await suite.project.containerId('app')
  })

  it('runs the backup again and again, skipping a tick that comes during a run, and stops on SIGTERM between runs with exit 0', async function () {
    const child = daemon('slow.json', ['--target', target('runs')])
    await waitForOutput(child, /run 2 finished after [\d.]+ s: exit 0\n/, 60_000)
    child.kill('SIGTERM')
    const r = await child
    expect(r.exitCode, r.stderr).to.equal(0)
    expect(r.stderr).to.match(/^next run at \d{4}-\d\d-\d\dT\d\d:\d\d:(\d[02468])\.000Z$/m)
    expect(r.stderr).to.match(/^warning: previous run still going: skipped the run due at \d{4}-\d\d-\d\dT\d\d:\d\d:\d[02468]\.000Z$/m)
    expect(r.stderr).to.match(/^run 1 started at /m).and.match(/^run 1 finished after [\d.]+ s: exit 0$/m)
    // The runs' own output, relayed.
    expect(r.stderr).to.contain('app: named_volumes/data')
    expect(r.stderr).to.match(/\ndaemon stopped$/)
    const versions = await itemEntries(target('runs'))
    expect(versions.filter((name) => !name.startsWith('.')).length).to.be.at.least(2)
    expect(versions.filter((name) => name.startsWith('.')), 'no temporary leftovers').to.deep.equal([])
    expect(await running()).to.equal(true)
  })

  it('skips a run with a warning when another process holds the target\'s lock (exit 3), and keeps going', async function () {
    await lockTarget(target('locked'))
    const child = daemon('backupbot.json', ['--target', target('locked')])
    await waitForOutput(child, /run 2 skipped: another run holds the lock \(exit 3, after [\d.]+ s\)\n/, 30_000)
    child.kill('SIGTERM')
    const r = await child
    expect(r.exitCode, r.stderr).to.equal(0)
    expect(r.stderr).to.match(/^warning: run 1 skipped: another run holds the lock \(exit 3, after [\d.]+ s\)$/m)
    expect(await itemEntries(target('locked'))).to.deep.equal([])
    expect(await running()).to.equal(true)
  })

  it('on SIGTERM while a run has the service stopped: passes it on, waits for the restart, exits 0 and keeps no partial version', async function () {
    const child = daemon('slow.json', ['--target', target('interrupted')])
    await waitForOutput(child, /run 1 started at /, 30_000)
    await waitUntil(async () => !(await running()), {timeoutMs: 30_000, intervalMs: 25, what: 'the app service to be stopped for the run'})
    child.kill('SIGTERM')
    const r = await child
    expect(r.exitCode, r.stderr).to.equal(0)
    expect(r.stderr).to.contain('SIGTERM received: passed on to the run that is going; waiting for it to end')
    expect(r.stderr).to.match(/^warning: run 1 interrupted after [\d.]+ s: exit 130, its stopped containers started again$/m)
    expect(r.stderr).not.to.match(/^run 2 started/m)
    expect(await running()).to.equal(true)
    expect(await itemEntries(target('interrupted'))).to.deep.equal([])
    const others = await docker().listContainers({all: true, filters: {label: [`com.docker.compose.project=${suite.project.name}`]}})
    expect(others.map((c) => c.State)).to.deep.equal(['running'])
  })
})
