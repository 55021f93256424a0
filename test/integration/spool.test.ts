// The spool against the real engine: a service's downtime, taken from the engine's own events
// (its kill to its start), ends with the read, long before a slow store has the version; without
// the spool it lasts as long as the store. No room for the spool, SIGTERM during the read and
// during compression, and a SIGKILL that the next run cleans up after.
import {expect} from 'chai'
import {execa} from 'execa'
import {mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {fileURLToPath} from 'node:url'

import {backup} from '../../src/run/backup.js'
import type {BackupResult, ItemResult} from '../../src/run/result.js'
import {SPOOL_PREFIX} from '../../src/run/spool.js'
import type {Store} from '../../src/store.js'
import {LocalStore} from '../../src/target/local-store.js'
import {libraryRequest, type LibraryRequestOptions} from '../support/backup-request.js'
import {type CliResult, runCli, spawnCli, waitForOutput} from '../support/cli.js'
import {cleanupTestResources, type ComposeProject, startBusyboxProject, waitUntil} from '../support/compose.js'
import {docker, TEST_IMAGES} from '../support/engine.js'
import {storeKind} from '../support/fake-stores.js'
import {stores} from '../support/fakes.js'

const FIXTURE = fileURLToPath(new URL('../fixtures/spool-project', import.meta.url))
const MB = 1024 * 1024

/** A local tree that takes the data at `bytesPerSecond`, and notes when it started and finished a version. */
class SlowTree extends LocalStore {
  started = 0
  finished = 0

  constructor(
    location: string,
    private readonly bytesPerSecond: number,
  ) {
    super(location)
  }

  override async write(...[key, version, write]: Parameters<Store['write']>): ReturnType<Store['write']> {
    this.started = Date.now()
    try {
      return await super.write(key, version, async (out) => {
        const slow = new Transform({
          transform: (chunk: Buffer, _encoding, callback) => void setTimeout(() => callback(null, chunk), (chunk.length / this.bytesPerSecond) * 1000),
        })
        const piped = pipeline(slow, out)
        piped.catch(() => {})
        try {
          await write(slow)
          if (!slow.writableEnded) slow.end()
        } catch (error) {
          slow.destroy(error as Error)
          throw error
        }
        await piped
      })
    } finally {
      this.finished = Date.now()
    }
  }
}

interface EngineEvent {
  action: string
  id: string
  /** Milliseconds, from the engine's nanoseconds. */
  time: number
}

/** The engine's container events between `since` and `until` (ms), with `filters`; waits for `until` to pass. */
async function engineEvents(since: number, until: number, filters: Record<string, string[]>): Promise<EngineEvent[]> {
  const stream = (await docker().getEvents({since: Math.floor(since / 1000) - 1, until: Math.ceil(until / 1000) + 1, filters})) as NodeJS.ReadableStream
  let text = ''
  for await (const chunk of stream) text += chunk.toString()
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as {Action: string; id: string; timeNano: number})
    .map((e) => ({action: e.Action, id: e.id, time: e.timeNano / 1e6}))
    // The API counts in whole seconds: an earlier test's events may be in its answer.
    .filter((e) => e.time >= since && e.time <= until)
}

/** The container's downtime in a run: its first kill and its last start, from the engine's events. */
async function downtimeOf(containerId: string, since: number, until: number): Promise<{kill: number; start: number; seconds: number}> {
  const events = await engineEvents(since, until, {container: [containerId]})
  const kill = events.find((e) => e.action === 'kill')
  const start = events.filter((e) => e.action === 'start').at(-1)
  if (!kill || !start) throw new Error(`no kill and start of ${containerId.slice(0, 12)} in the run: ${JSON.stringify(events)}`)
  return {kill: kill.time, start: start.time, seconds: (start.time - kill.time) / 1000}
}

describe('the spool with a real engine', function () {
  this.timeout(180_000)
  let project: ComposeProject
  let dataDir: string
  let env: Record<string, string>
  let appId: string
  let siteId: string

  const vol = (name: string) => `${project.name}_${name}`
  const running = async (id: string) => (await docker().getContainer(id).inspect()).State.Running
  const spools = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(SPOOL_PREFIX))
  const versions = async (itemDir: string) => (await readdir(itemDir).catch(() => [] as string[])).filter((e) => !e.startsWith('.'))
  const appItem = (target: string) => path.join(target, 'app', 'named_volumes', 'appdata')
  const json = (r: Pick<CliResult, 'stdout'>) => JSON.parse(r.stdout)

  async function config(name: string, body: unknown): Promise<string> {
    const file = path.join(project.dir, `${name}.json`)
    await writeFile(file, JSON.stringify(body))
    return file
  }

  /**
   * Writes about `mb` MB into the volume (as a service would): random bytes, or text, which gzip
   * compresses at a few dozen MB/s per core (random bytes it stores, at memory speed).
   */
  async function fill(volume: string, file: string, mb: number, kind: 'random' | 'text' = 'random'): Promise<void> {
    // One `seq 1 1200000` is ~8.3 MB of text.
    const write = kind === 'random' ? `dd if=/dev/urandom of=/fill/${file} bs=1M count=${mb} 2>/dev/null` : `seq 1 1200000 > /tmp/t && i=0 && while [ $i -lt ${Math.ceil(mb / 8.3)} ]; do cat /tmp/t; i=$((i+1)); done > /fill/${file}`
    await execa('docker', ['run', '--rm', '--label', 'backupbot.test=1', '--network', 'none', '-v', `${vol(volume)}:/fill`, TEST_IMAGES.busybox, 'sh', '-c', write])
  }

  /** backup() in this process, into a SlowTree at `slow:<dir>` (and nothing else). */
  async function slowBackup(configFile: string, slow: SlowTree, extra: LibraryRequestOptions = {}): Promise<BackupResult> {
    const request = await libraryRequest(project, dataDir, {config: configFile, stores: stores(storeKind('slow', () => slow)), targets: [`slow:${slow.location}`], ...extra})
    const {log} = request
    const result = (await backup(request)) as BackupResult
    expect(result.items.map((i) => i.status), log.lines.join('\n')).to.deep.equal(result.items.map(() => 'ok'))
    return result
  }

  before(async function () {
    this.timeout(300_000)
    project = await startBusyboxProject(FIXTURE)
    appId = await project.containerId('app')
    siteId = await project.containerId('site')
    await fill('appdata', 'random-40M.bin', 40)
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'bb-spool-data-'))
    env = {BACKUPBOT_DATA_DIR: dataDir, BACKUPBOT_HELPER_IMAGE: TEST_IMAGES.busybox}
  })

  after(async function () {
    this.timeout(120_000)
    await project?.down()
    await cleanupTestResources()
    if (dataDir) await rm(dataDir, {recursive: true, force: true})
  })

  describe('a volume backed up into a slow store (8 MB/s)', function () {
    let slow: SlowTree
    let since: number
    let result: BackupResult

    before(async function () {
      slow = new SlowTree(path.join(project.dir, 'slow-spooled'), 8 * MB)
      since = Date.now()
      result = await slowBackup(await config('app', {app: [{type: 'backup_volume'}]}), slow)
    })

    it('has the service down only while the volume is read: it runs again seconds before the store has the version', async function () {
      const down = await downtimeOf(appId, since, slow.finished)
      const storing = (slow.finished - slow.started) / 1000
      expect(storing, 'the store took its time').to.be.above(3)
      expect(down.start, 'started again before the store finished').to.be.below(slow.finished - 2000)
      expect(down.seconds).to.be.below(storing / 3)
      const [item] = result.items as [ItemResult]
      expect(item.spool).to.have.property('bytes').above(40 * MB)
      expect(item.downtimeSeconds).to.be.below(storing / 3)
      expect(await running(appId)).to.equal(true)
    })

    it('created the temporary container before it stopped the service', async function () {
      const down = await downtimeOf(appId, since, slow.finished)
      const created = await engineEvents(since, slow.finished, {label: [`backupbot.pid=${process.pid}`], event: ['create']})
      expect(created, 'one helper created for the read').to.have.length(1)
      expect(created[0]!.time).to.be.below(down.kill)
    })

    it('stored a complete version and left no spool file', async function () {
      const [item] = result.items as [ItemResult]
      await execa('tar', ['-tzf', item.file!])
      expect(await versions(appItem(slow.location))).to.deep.equal(['appdata.1'])
      expect(await spools(slow.location)).to.deep.equal([])
    })

    it('without the spool (--no-spool), keeps the service down while the store writes', async function () {
      const streaming = new SlowTree(path.join(project.dir, 'slow-streamed'), 8 * MB)
      const t0 = Date.now()
      const [item] = (await slowBackup(await config('app', {app: [{type: 'backup_volume'}]}), streaming, {spool: false})).items as [ItemResult]
      const down = await downtimeOf(appId, t0, streaming.finished)
      const storing = (streaming.finished - streaming.started) / 1000
      expect(item.spool).to.deep.equal({streamed: '--no-spool'})
      expect(down.seconds).to.be.above(storing * 0.6)
    })
  })

  it('gives a bind mount with stop: true the same treatment', async function () {
    const site = path.join(project.dir, 'site')
    await execa('dd', ['if=/dev/urandom', `of=${path.join(site, 'random-20M.bin')}`, 'bs=1M', 'count=20'], {stderr: 'ignore'})
    const slow = new SlowTree(path.join(project.dir, 'slow-site'), 6 * MB)
    const since = Date.now()
    const [item] = (await slowBackup(await config('site', {site: [{type: 'backup_host_directories', stop: true}]}), slow)).items as [ItemResult]
    const down = await downtimeOf(siteId, since, slow.finished)
    expect(item.spool).to.have.property('bytes').above(20 * MB)
    expect(down.start).to.be.below(slow.finished - 1500)
    expect(await running(siteId)).to.equal(true)
    await rm(path.join(site, 'random-20M.bin'))
  })

  it('streams, with a warning saying why, when the spool file system has no room, and leaves nothing there', async function () {
    const small = await mkdtemp(path.join(os.tmpdir(), 'bb-spool-small-'))
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'bbtest-spool', small])
    try {
      const target = path.join(project.dir, 'backups-noroom')
      const file = await config('app', {app: [{type: 'backup_volume'}]})
      const r = await runCli(['backup', '--config', file, '--target', target, '--spool-dir', small, '--json'], {cwd: project.dir, env, reject: false})
      expect(r.exitCode, r.stderr).to.equal(0)
      const [item] = json(r).items
      expect(item.status).to.equal('ok')
      expect(item.spool.streamed).to.match(new RegExp(`^the spool would need \\d+ MiB \\(\\d+ MiB measured, a margin\\) and ${small} has \\d+ MiB free$`))
      expect(r.stderr).to.contain('app: named_volumes/appdata: streamed, not spooled: the spool would need')
      expect(await readdir(small)).to.deep.equal([])
      expect(await versions(appItem(target))).to.deep.equal(['appdata.1'])
      expect(await spools(target)).to.deep.equal([])
    } finally {
      await execa('umount', [small])
      await rm(small, {recursive: true, force: true})
    }
  })

  describe('interrupted', function () {
    let file: string
    const target = () => path.join(project.dir, 'backups-interrupted')

    before(async function () {
      this.timeout(180_000)
      // Large text: the read takes a moment, compressing it several seconds.
      await fill('appdata', 'text-300M.txt', 300, 'text')
      file = await config('app', {app: [{type: 'backup_volume'}]})
    })

    /** Starts a backup of the volume and resolves once the service has been stopped for it (wrapped: the child is a promise). */
    async function startWhileStopped() {
      const child = spawnCli(['backup', '--config', file, '--target', target(), '--json'], {cwd: project.dir, env})
      await waitUntil(async () => !(await running(appId)), {timeoutMs: 60_000, intervalMs: 25, what: 'the app service to be stopped'})
      return {child}
    }

    async function expectNothingKept(): Promise<void> {
      expect(await spools(target())).to.deep.equal([])
      expect(await versions(appItem(target()))).to.deep.equal([])
    }

    it('by SIGTERM during the read: the service runs again, the spool is removed, no version is kept', async function () {
      const {child} = await startWhileStopped()
      child.kill('SIGTERM')
      const r = await child
      expect(r.exitCode, `${r.signal ?? ''}\n${r.stderr}`).to.be.oneOf([130, 143])
      // The signal came before the read ended.
      expect(r.stderr).not.to.contain('compressing and storing from it')
      expect(await running(appId)).to.equal(true)
      await expectNothingKept()
    })

    it('by SIGTERM during compression: the service ran again already, the spool is removed, no version is kept', async function () {
      const child = spawnCli(['backup', '--config', file, '--target', target(), '--json'], {cwd: project.dir, env})
      await waitForOutput(child, /compressing and storing from it/, 60_000)
      expect(await running(appId), 'running again while compressing').to.equal(true)
      child.kill('SIGTERM')
      const r = await child
      expect(r.exitCode, r.stderr).to.equal(130)
      expect(json(r).items[0].status).to.equal('interrupted')
      expect(await running(appId)).to.equal(true)
      await expectNothingKept()
    })

    it('by SIGKILL during the read: the spool is no version, and the next run starts the service and removes the spool', async function () {
      const {child} = await startWhileStopped()
      child.kill('SIGKILL')
      await child
      expect(await running(appId)).to.equal(false)
      expect(await spools(target())).to.have.length(1)

      // A dot entry: never listed as an item or a version.
      const listed = await runCli(['list-versions', '--target', target(), '--json'], {cwd: project.dir, env, reject: false})
      expect(listed.exitCode, listed.stderr).to.equal(0)
      expect(listed.stdout).not.to.contain(SPOOL_PREFIX)

      // The next run, of another service (stopping nothing), cleans up after it first.
      const siteOnly = await config('site-only', {site: [{type: 'backup_host_directories'}]})
      const r = await runCli(['backup', '--config', siteOnly, '--target', target(), '--json'], {cwd: project.dir, env, reject: false})
      expect(r.exitCode, r.stderr).to.equal(0)
      expect(json(r).recovery.started).to.have.length(1)
      expect(r.stderr).to.match(/removed .*\.backupbot-spool-.* a spool file a killed backupbot run \(pid \d+\) left/)
      expect(await running(appId)).to.equal(true)
      await expectNothingKept()
    })
  })
})
