// runBackup with a spool: an item that stops containers is read into the spool file first, and
// the stores get it only once the scheme has resolved (its containers run again); items that stop
// nothing stream as before; no room, --no-spool, failures and interrupts in either phase.
import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {readdir, readFile, stat, writeFile} from 'node:fs/promises'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'

import type {LocatedItem} from '../../../src/plan/make-plan.js'
import {runBackup} from '../../../src/run/run-backup.js'
import {SPOOL_PREFIX, type SpoolSettings} from '../../../src/run/spool.js'
import type {Store} from '../../../src/store.js'
import {LocalStore} from '../../../src/target/local-store.js'
import {quietLogger} from '../../support/fakes.js'
import {contexts, entries, located, runInput, scheme, useTempDir, writes} from '../../support/run-fakes.js'
import {deadPid} from '../../support/run-command.js'

/** A local tree that records when it is asked to write, and can run something then. */
class RecordingTree extends LocalStore {
  constructor(
    location: string,
    private readonly events: string[],
    private readonly onWrite?: () => void,
  ) {
    super(location)
  }

  override write(...args: Parameters<Store['write']>): ReturnType<Store['write']> {
    this.events.push('store writes')
    this.onWrite?.()
    return super.write(...args)
  }
}

const spools = async (dir: string) => (await readdir(dir)).filter((name) => name.startsWith(SPOOL_PREFIX))

describe('runBackup with a spool', function () {
  const target = useTempDir('bb-run-spool-')
  const data = randomBytes(2 * 1024 * 1024 + 3)
  let events: string[]

  beforeEach(function () {
    events = []
  })

  const settings = (extra: Partial<SpoolSettings> = {}): SpoolSettings => ({
    dir: target(),
    enabled: true,
    localTargets: [target()],
    sizeOf: async () => ({bytes: data.length, how: 'measured'}),
    ...extra,
  })

  /** A volume item that stops p_web_1, as the volumes scheme plans it. */
  const stopping = (): LocatedItem & {itemDir: string} =>
    located(target(), 'data', 'backup_stops', {extension: '.tar', compress: true, stops: ['p_web_1'], identity: 'volume:p_data'})

  /** A scheme that "stops" its containers, writes `data` while stopped (noting what the spool dir holds), and "starts" them. */
  const stopsWhileWriting = (body = writes(data, 64 * 1024)) =>
    scheme('backup_stops', async (ctx, item, out) => {
      events.push('stop')
      events.push(`spool files while reading: ${(await spools(target())).length}`)
      try {
        await body(ctx, item, out)
      } finally {
        events.push('start')
      }
    })

  it('reads an item that stops containers into a spool file, and writes the stores only once the scheme resolved', async function () {
    const item = stopping()
    const store = new RecordingTree(target(), events)
    const result = await runBackup(runInput(target(), [item], [stopsWhileWriting()], {stores: [store], spool: settings()}))

    const [done] = result.items
    expect(done!.status, done!.error).to.equal('ok')
    expect(events).to.deep.equal(['stop', 'spool files while reading: 1', 'start', 'store writes'])
    expect(done!.spool).to.deep.include({bytes: data.length})
    expect((done!.spool as {seconds: number}).seconds).to.be.a('number')
    const stored = await readFile(join(item.itemDir, 'data.1', 'data.tar.gz'))
    expect(gunzipSync(stored).equals(data)).to.equal(true)
    expect(await spools(target())).to.deep.equal([])
    expect(JSON.parse(JSON.stringify(result))).to.deep.equal(result)
  })

  it('creates the spool file mode 0600 in the spool dir', async function () {
    let mode = 0
    const peek = scheme('backup_stops', async (_ctx, _item, out) => {
      const [name] = await spools(target())
      mode = (await stat(join(target(), name!))).mode & 0o777
      out.end('x')
    })
    await runBackup(runInput(target(), [stopping()], [peek], {spool: settings()}))
    expect(mode).to.equal(0o600)
  })

  it('streams an item that stops nothing, as before, without a word', async function () {
    const item = located(target(), 'dump', 'backup_dump', {extension: '.sql', compress: true, identity: undefined})
    const context = contexts()
    const result = await runBackup(runInput(target(), [item], [scheme('backup_dump', writes('a dump'))], {stores: [new RecordingTree(target(), events)], spool: settings(), context}))
    expect(result.items[0]!.status).to.equal('ok')
    expect(result.items[0]).not.to.have.property('spool')
    expect(context.made[0]!.lines.filter((l) => l.startsWith('warn'))).to.deep.equal([])
  })

  it('streams, with a warning saying why, when the spool has no room', async function () {
    const item = stopping()
    const context = contexts()
    const store = new RecordingTree(target(), events)
    const full = settings({sizeOf: async () => ({bytes: 2 ** 50, how: 'engine'})})
    const result = await runBackup(runInput(target(), [item], [stopsWhileWriting()], {stores: [store], spool: full, context}))
    const [done] = result.items
    expect(done!.status).to.equal('ok')
    // Streamed: the store was writing while the containers were stopped.
    expect(events).to.deep.equal(['store writes', 'stop', 'spool files while reading: 0', 'start'])
    expect((done!.spool as {streamed: string}).streamed).to.match(/^the spool would need \d+ MiB \(\d+ MiB the engine's figure, a margin, and room for the new version on the same file system\) and .* has \d+ MiB free$/)
    expect(context.made[0]!.lines).to.include(`warn: db: things/data: streamed, not spooled: ${(done!.spool as {streamed: string}).streamed}; its containers stay stopped until it is compressed and stored (--spool-dir chooses another place)`)
    expect(gunzipSync(await readFile(join(item.itemDir, 'data.1', 'data.tar.gz'))).equals(data)).to.equal(true)
  })

  it('streams with --no-spool, saying so only in the result', async function () {
    const context = contexts()
    const result = await runBackup(runInput(target(), [stopping()], [stopsWhileWriting()], {spool: settings({enabled: false}), context}))
    expect(result.items[0]!.spool).to.deep.equal({streamed: '--no-spool'})
    expect(context.made[0]!.lines.filter((l) => l.startsWith('warn'))).to.deep.equal([])
  })

  it('fails an item whose read fails: no store is asked to write, no version, no spool file', async function () {
    const item = stopping()
    const failing = stopsWhileWriting(async (_ctx, _item, out) => {
      out.write(randomBytes(10_000))
      throw new Error('the engine broke the archive stream')
    })
    const result = await runBackup(runInput(target(), [item], [failing], {stores: [new RecordingTree(target(), events)], spool: settings()}))
    expect(result.items[0]).to.deep.include({status: 'failed', error: 'the engine broke the archive stream'})
    expect(events).not.to.include('store writes')
    // No item folder was made, and the lock is gone: nothing at all is left in the target.
    expect(await entries(target())).to.deep.equal([])
  })

  it('ends as interrupted during the read: no version, no spool file', async function () {
    const item = stopping()
    let abort!: (reason?: Error) => void
    const context = contexts({made: (_item, fake) => (abort = fake.abort)})
    const hanging = stopsWhileWriting(async (ctx, _item, out) => {
      out.write(randomBytes(10_000))
      setTimeout(() => abort(new Error('interrupted by SIGTERM')), 20)
      await new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)))
    })
    const result = await runBackup(runInput(target(), [item], [hanging], {stores: [new RecordingTree(target(), events)], spool: settings(), context}))
    expect(result.items[0]!.status).to.equal('interrupted')
    expect(events).not.to.include('store writes')
    expect(await spools(target())).to.deep.equal([])
    expect(await entries(item.itemDir).catch(() => [])).to.deep.equal([])
  })

  it('ends as interrupted while the stores write from the spool: no version, no spool file', async function () {
    const item = stopping()
    let abort!: (reason?: Error) => void
    const context = contexts({made: (_item, fake) => (abort = fake.abort)})
    const store = new RecordingTree(target(), events, () => setImmediate(() => abort(new Error('interrupted by SIGTERM'))))
    const result = await runBackup(runInput(target(), [item], [stopsWhileWriting()], {stores: [store], spool: settings(), context}))
    expect(events).to.deep.equal(['stop', 'spool files while reading: 1', 'start', 'store writes'])
    expect(result.items[0]!.status).to.equal('interrupted')
    expect(await spools(target())).to.deep.equal([])
    expect((await entries(item.itemDir)).filter((e) => !e.startsWith('.'))).to.deep.equal([])
  })

  it('gives every store the item from one spool, and fails only the store that fails', async function () {
    const item = stopping()
    const second = join(target(), 'second')
    const broken = new (class extends LocalStore {
      override write(): ReturnType<Store['write']> {
        return Promise.reject(new Error('disk full'))
      }
    })(join(target(), 'broken'))
    const result = await runBackup(runInput(target(), [item], [stopsWhileWriting()], {stores: [new LocalStore(target()), new LocalStore(second), broken], spool: settings()}))
    const [done] = result.items
    expect(done!.status).to.equal('failed')
    expect(done!.stores!.map((s) => s.status)).to.deep.equal(['ok', 'ok', 'failed'])
    expect(gunzipSync(await readFile(done!.stores![1]!.file!)).equals(data)).to.equal(true)
    expect(await spools(target())).to.deep.equal([])
  })

  it("removes a killed run's spool file when the run starts, even with --no-spool", async function () {
    const leftover = `${SPOOL_PREFIX}${hostname()}-${deadPid()}-0badf00d`
    await writeFile(join(target(), leftover), 'what a killed run had read')
    const log = quietLogger()
    await runBackup(runInput(target(), [located(target(), 'a', 'backup_plain')], [scheme('backup_plain', writes('a'))], {spool: settings({enabled: false}), log}))
    expect(await spools(target())).to.deep.equal([])
    expect(log.lines.join('\n')).to.contain('a spool file a killed backupbot run')
  })
})
