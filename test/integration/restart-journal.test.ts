// A backupbot killed while a container is stopped: the journal entry it leaves, `backupbot
// recover` and `backupbot backup` starting the container again, live runs left alone, and a
// SIGTERM (even twice) restarting the container before the process exits.
import {expect} from 'chai'
import {mkdtemp, readFile, readdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {execa, type ResultPromise} from 'execa'

import {RestartJournal} from '../../src/run/restart-journal.js'
import {runCli, waitForOutput} from '../support/cli.js'
import {type ComposeProject, startComposeProject} from '../support/compose.js'
import {docker, requireEngine, requireImages, TEST_IMAGES} from '../support/engine.js'

const FIXTURE = fileURLToPath(new URL('../fixtures/stop-start-project', import.meta.url))
const CHILD = fileURLToPath(new URL('../support/stop-forever.ts', import.meta.url))

async function running(id: string): Promise<boolean> {
  return (await docker().getContainer(id).inspect()).State.Running
}

describe('the restart journal with a real engine and real processes', function () {
  this.timeout(180_000)
  let project: ComposeProject
  let dataDir: string
  let journal: RestartJournal
  let appId: string
  const children: ResultPromise[] = []

  /**
   * Starts the child that stops the app container and waits forever; resolves once it is
   * stopped (wrapped: an async function would wait for a returned subprocess to end).
   */
  async function stopInChild(mode?: string): Promise<{child: ResultPromise}> {
    const child = execa(process.execPath, ['--import', 'tsx', CHILD, join(dataDir, 'journal'), project.name, appId, ...(mode ? [mode] : [])], {
      reject: false,
      stdin: 'ignore',
      timeout: 170_000,
    })
    children.push(child)
    await waitForOutput(child, /stopped /, 60_000)
    expect(await running(appId)).to.equal(false)
    return {child}
  }

  /** Records a container as a run that no longer exists would have (a pid that cannot exist). */
  async function recordForDeadRun(id: string, name: string, projectName: string): Promise<void> {
    await journal.record({id, name, project: projectName})
    const file = join(dataDir, 'journal', `${id}.json`)
    const entry = JSON.parse(await readFile(file, 'utf8'))
    await writeFile(file, JSON.stringify({...entry, pid: 2 ** 22 + 1}))
  }

  const cli = (args: string[]) => runCli(args, {cwd: project.dir, env: {BACKUPBOT_DATA_DIR: dataDir}, reject: false})

  before(async () => {
    await requireEngine()
    await requireImages(TEST_IMAGES.busybox)
    project = await startComposeProject(FIXTURE, {services: ['app']})
    appId = await project.containerId('app')
  })

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'backupbot-data-'))
    journal = new RestartJournal(join(dataDir, 'journal'))
    if (!(await running(appId))) await docker().getContainer(appId).start()
  })

  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL')
      await child
    }
    await rm(dataDir, {recursive: true, force: true})
  })

  after(async () => {
    await project?.down()
  })

  it('SIGKILL while stopped leaves a journal entry, and `backupbot recover` starts the container and empties it', async () => {
    const {child} = await stopInChild()
    child.kill('SIGKILL')
    expect((await child).signal).to.equal('SIGKILL')

    const [entry] = await journal.pending()
    expect(entry).to.include({id: appId, project: project.name, pid: child.pid, dockerHost: 'local'})
    expect(await running(appId)).to.equal(false)

    const result = await cli(['recover', '--json'])
    expect(result.exitCode, result.stderr).to.equal(0)
    const report = JSON.parse(result.stdout)
    expect(report).to.deep.include({ok: true, failed: [], gone: []})
    expect(report.started).to.have.length(1)
    expect(await running(appId)).to.equal(true)
    expect(await readdir(join(dataDir, 'journal'))).to.deep.equal([])
    expect(result.stderr).to.match(/starting .*stopped by backupbot pid/)
  })

  it('`backupbot backup` starts what a killed run left stopped before anything else', async () => {
    const {child} = await stopInChild()
    child.kill('SIGKILL')
    await child
    await writeFile(join(project.dir, 'backupbot.json'), '{}\n')

    const result = await cli(['backup', '--json', '--target', join(dataDir, 'backups')])
    expect(result.exitCode, result.stderr).to.equal(0)
    const report = JSON.parse(result.stdout)
    expect(report.recovery).to.deep.include({ok: true, failed: []})
    expect(report.recovery.started).to.have.length(1)
    expect(result.stderr).to.match(/a killed backupbot run left .* stopped: starting them again first/)
    expect(await running(appId)).to.equal(true)
    expect(await journal.pending()).to.deep.equal([])
  })

  it('a journal entry of a live run is left alone by `backupbot recover`', async () => {
    await stopInChild()
    const result = await cli(['recover', '--json'])
    expect(result.exitCode, result.stderr).to.equal(0)
    const report = JSON.parse(result.stdout)
    expect(report.started).to.deep.equal([])
    expect(report.skipped).to.have.length(1)
    expect(report.skipped[0].reason).to.match(/held by the running backupbot process/)
    expect(await running(appId)).to.equal(false)
    expect(await journal.pending()).to.have.length(1)
  })

  it('SIGTERM to a process with a stopped container starts it again before the process exits', async () => {
    const {child} = await stopInChild()
    child.kill('SIGTERM')
    const exit = await child
    // The guard lets the signal take effect once the container runs again.
    expect(exit.signal).to.equal('SIGTERM')
    expect(exit.stderr).to.match(/SIGTERM received: starting .* again before exiting/)
    expect(await running(appId)).to.equal(true)
    expect(await journal.pending()).to.deep.equal([])
  })

  it('with its own SIGTERM handler (as the CLI has), the process restarts the container and goes on to its own exit', async () => {
    const {child} = await stopInChild('cli-like')
    child.kill('SIGTERM')
    const exit = await child
    expect(exit.exitCode).to.equal(130)
    expect(exit.stdout).to.include('withStopped returned')
    expect(exit.stderr).to.match(/withStopped: interrupted/)
    expect(await running(appId)).to.equal(true)
    expect(await journal.pending()).to.deep.equal([])
  })

  it('a second SIGTERM during the restart does not cut it short', async () => {
    const {child} = await stopInChild('slow-restart')
    child.kill('SIGTERM')
    await waitForOutput(child, /starting [^\n]*\n/, 30_000) // the restart has begun
    child.kill('SIGTERM')
    const exit = await child
    expect(exit.signal).to.equal('SIGTERM')
    expect(exit.stderr).to.match(/SIGTERM received: finishing the restart of .* before exiting/)
    expect(await running(appId)).to.equal(true)
    expect(await journal.pending()).to.deep.equal([])
  })

  it('`backupbot recover` drops the entry of a container that no longer exists, with a warning', async () => {
    const gone = await docker().createContainer({Image: TEST_IMAGES.busybox, Cmd: ['true'], Labels: {'backupbot.test': '1'}})
    const info = await gone.inspect()
    await recordForDeadRun(info.Id, info.Name.slice(1), 'bbtest-gone')
    await gone.remove({force: true})

    const result = await cli(['recover', '--json'])
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(JSON.parse(result.stdout).gone).to.deep.equal([info.Name.slice(1)])
    expect(result.stderr).to.match(/no longer exists: dropping its restart journal entry/)
    expect(await readdir(join(dataDir, 'journal'))).to.deep.equal([])
  })

  it('`backupbot recover` exits 1 and keeps the entry when a container cannot be started', async () => {
    // A container whose command cannot run: every start fails.
    const broken = await docker().createContainer({Image: TEST_IMAGES.busybox, Cmd: ['/no/such/binary'], Labels: {'backupbot.test': '1'}})
    try {
      const info = await broken.inspect()
      await recordForDeadRun(info.Id, info.Name.slice(1), 'bbtest-broken')

      const result = await cli(['recover', '--json'])
      expect(result.exitCode).to.equal(1)
      const report = JSON.parse(result.stdout)
      expect(report.ok).to.equal(false)
      expect(report.failed.map((f: {name: string}) => f.name)).to.deep.equal([info.Name.slice(1)])
      expect(await journal.pending()).to.have.length(1)
    } finally {
      await broken.remove({force: true})
    }
  })
})
