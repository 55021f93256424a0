import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {mkdtemp, readFile, readdir, rm, stat, writeFile} from 'node:fs/promises'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'

import type {ContainerState, Engine} from '../../../src/docker/engine.js'
import {entriesToRecover, recoverStopped} from '../../../src/run/recover.js'
import {currentDockerHost, entryOwner, type JournalEntry, RestartJournal} from '../../../src/run/restart-journal.js'
import {processStart} from '../../../src/system/process.js'
import {quietLogger} from '../../support/fakes.js'
import {requireCapability} from '../../support/requires.js'

const ID = 'a'.repeat(64)
const OTHER = 'b'.repeat(64)

/** A pid that no process has any more. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], {stdio: 'ignore'})
  await new Promise((resolve) => child.on('exit', resolve))
  return child.pid!
}

describe('RestartJournal', () => {
  let dir: string
  let journal: RestartJournal

  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'backupbot-journal-')), 'journal')
    journal = new RestartJournal(dir)
  })

  afterEach(async () => {
    await rm(join(dir, '..'), {recursive: true, force: true})
  })

  /** Rewrites an entry's fields, as another process would have written them. */
  async function rewrite(id: string, fields: Partial<JournalEntry>): Promise<void> {
    const file = join(dir, `${id}.json`)
    await writeFile(file, JSON.stringify({...JSON.parse(await readFile(file, 'utf8')), ...fields}))
  }

  it('records one <id>.json per container with who stopped it, creating the directory', async () => {
    await journal.record({id: ID, name: 'shop_db_1', project: 'shop'})
    expect(await readdir(dir)).to.deep.equal([`${ID}.json`])
    const entry = JSON.parse(await readFile(join(dir, `${ID}.json`), 'utf8'))
    expect(entry).to.include({id: ID, name: 'shop_db_1', project: 'shop', pid: process.pid, hostname: hostname(), dockerHost: currentDockerHost()})
    expect(Date.parse(entry.stoppedAt)).to.be.closeTo(Date.now(), 5000)
    expect((await stat(join(dir, `${ID}.json`))).mode & 0o777).to.equal(0o600)
  })

  it('lists entries with pending() and forgets them with remove(); removing twice is fine', async () => {
    await journal.record({id: ID, name: 'one', project: 'p'})
    await journal.record({id: OTHER, name: 'two', project: 'p'})
    expect((await journal.pending()).map((e) => e.name)).to.deep.equal(['one', 'two'])
    await journal.remove(ID)
    await journal.remove(ID)
    expect((await journal.pending()).map((e) => e.name)).to.deep.equal(['two'])
  })

  it('pending() of a journal that was never written is empty', async () => {
    expect(await journal.pending()).to.deep.equal([])
  })

  it('recording the same container again replaces its entry', async () => {
    await journal.record({id: ID, name: 'old', project: 'p'})
    await journal.record({id: ID, name: 'new', project: 'p'})
    expect((await journal.pending()).map((e) => e.name)).to.deep.equal(['new'])
  })

  it('ignores temporary files and reports files that are not valid entries', async () => {
    await journal.record({id: ID, name: 'one', project: 'p'})
    await writeFile(join(dir, '.tmp-123-abcd'), '{"half')
    await writeFile(join(dir, `${OTHER}.json`), 'not json')
    await writeFile(join(dir, 'c.json'), JSON.stringify({id: 'someone-else', name: 'x'}))
    const scan = await journal.scan()
    expect(scan.entries.map((e) => e.id)).to.deep.equal([ID])
    expect(scan.unreadable.sort()).to.deep.equal([join(dir, `${OTHER}.json`), join(dir, 'c.json')])
  })

  it('refuses ids that could name a file outside the journal', async () => {
    for (const id of ['../x', 'a/b', '.hidden', '']) {
      const error = await journal.record({id, name: 'x', project: 'p'}).catch((e: Error) => e)
      expect(error, id).to.be.an('error')
    }
  })

  describe('whose entry is it', () => {
    it('an entry of this very process is a live run', async () => {
      await journal.record({id: ID, name: 'one', project: 'p'})
      const [entry] = await journal.pending()
      expect(entryOwner(entry)).to.equal('live')
    })

    it('an entry whose pid is gone is a dead run', async () => {
      await journal.record({id: ID, name: 'one', project: 'p'})
      await rewrite(ID, {pid: await deadPid()})
      expect(entryOwner((await journal.pending())[0])).to.equal('dead')
    })

    it('a live pid that started at another time is a reused pid: a dead run', async function () {
      requireCapability(this, processStart(process.pid) !== undefined, 'there is no /proc to read start times from')
      await journal.record({id: ID, name: 'one', project: 'p'})
      await rewrite(ID, {processStart: '1'})
      expect(entryOwner((await journal.pending())[0])).to.equal('dead')
    })

    it('an entry of another machine cannot be checked from here', async () => {
      await journal.record({id: ID, name: 'one', project: 'p'})
      await rewrite(ID, {hostname: `${hostname()}-elsewhere`, pid: await deadPid()})
      expect(entryOwner((await journal.pending())[0])).to.equal('other-host')
    })
  })

  it('names the Docker engine as DOCKER_HOST, the default socket as local', () => {
    expect(currentDockerHost({})).to.equal('local')
    expect(currentDockerHost({DOCKER_HOST: 'unix:///var/run/docker.sock'})).to.equal('local')
    expect(currentDockerHost({DOCKER_HOST: 'tcp://10.0.0.5:2376'})).to.equal('tcp://10.0.0.5:2376')
  })

  describe('recoverStopped (engine faked)', () => {
    /** An engine with containers in given states; records what was started. */
    function fakeEngine(states: Record<string, ContainerState | undefined>, failing: string[] = []) {
      const started: string[] = []
      let connected = 0
      const engine = {
        containerState: async (id: string) => states[id],
        async startContainer(id: string) {
          if (failing.includes(id)) throw new Error('no such image')
          started.push(id)
          states[id] = {...states[id]!, running: true}
        },
      } as unknown as Engine
      return {engine: () => (connected++, engine), started, connections: () => connected}
    }

    async function deadEntry(id: string, name: string, stoppedAt: string): Promise<void> {
      await journal.record({id, name, project: 'p'})
      await rewrite(id, {pid: await deadPid(), stoppedAt})
    }

    it('starts the containers of dead runs in reverse stop order and empties the journal', async () => {
      const c = 'c'.repeat(64)
      await deadEntry(ID, 'first', '2026-01-01T03:00:00.000Z')
      await deadEntry(OTHER, 'second', '2026-01-01T03:00:01.000Z')
      await journal.record({id: c, name: 'live-one', project: 'p'}) // this process: live
      const fake = fakeEngine({
        [ID]: {id: ID, name: 'first', running: false},
        [OTHER]: {id: OTHER, name: 'second', running: false},
        [c]: {id: c, name: 'live-one', running: false},
      })
      expect((await entriesToRecover(journal)).map((e) => e.name).sort()).to.deep.equal(['first', 'second'])
      const result = await recoverStopped(fake.engine, journal, quietLogger())
      expect(result).to.deep.include({ok: true, started: ['second', 'first'], failed: [], gone: []})
      expect(result.skipped).to.deep.equal([{name: 'live-one', reason: `held by the running backupbot process ${process.pid}`}])
      expect(fake.started).to.deep.equal([OTHER, ID])
      expect((await journal.pending()).map((e) => e.name)).to.deep.equal(['live-one'])
    })

    it('drops entries of containers that no longer exist, with a warning, and keeps those it could not start', async () => {
      await deadEntry(ID, 'vanished', '2026-01-01T03:00:00.000Z')
      await deadEntry(OTHER, 'broken', '2026-01-01T03:00:01.000Z')
      const log = quietLogger()
      const fake = fakeEngine({[OTHER]: {id: OTHER, name: 'broken', running: false}}, [OTHER])
      const result = await recoverStopped(fake.engine, journal, log)
      expect(result).to.deep.include({ok: false, started: [], gone: ['vanished']})
      expect(result.failed).to.deep.equal([{name: 'broken', error: 'no such image'}])
      expect(log.lines.join('\n')).to.match(/vanished .* no longer exists/)
      expect((await journal.pending()).map((e) => e.name)).to.deep.equal(['broken'])
    })

    it('counts a container found running as started, and drops its entry', async () => {
      await deadEntry(ID, 'already', '2026-01-01T03:00:00.000Z')
      const fake = fakeEngine({[ID]: {id: ID, name: 'already', running: true}})
      const result = await recoverStopped(fake.engine, journal, quietLogger())
      expect(result.started).to.deep.equal(['already'])
      expect(fake.started).to.deep.equal([])
      expect(await journal.pending()).to.deep.equal([])
    })

    it('leaves entries of another Docker engine alone and never connects for an empty journal', async () => {
      await deadEntry(ID, 'remote', '2026-01-01T03:00:00.000Z')
      await rewrite(ID, {dockerHost: 'tcp://elsewhere:2376'})
      const fake = fakeEngine({})
      const result = await recoverStopped(fake.engine, journal, quietLogger())
      expect(result.skipped.map((s) => s.name)).to.deep.equal(['remote'])
      expect(fake.connections()).to.equal(0)
      expect(await entriesToRecover(journal)).to.deep.equal([])
    })
  })
})
