// The spool module on its own: the file (name, mode, fill, drain, removal in every case, a
// process.exit included), the sweep of a killed run's leftovers, the room check and the settings.
import {expect} from 'chai'
import {execa} from 'execa'
import {randomBytes} from 'node:crypto'
import {mkdir, readdir, stat, statfs, writeFile} from 'node:fs/promises'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'
import {PassThrough, Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {fileURLToPath} from 'node:url'

import {UsageError} from '../../../src/errors.js'
import {chooseSpool, createSpool, SPOOL_MARGIN, SPOOL_PREFIX, type SpoolSettings, spoolSettings, sweepSpools} from '../../../src/run/spool.js'
import type {Store} from '../../../src/store.js'
import {LocalStore} from '../../../src/target/local-store.js'
import {deadPid} from '../../support/run-command.js'
import {quietLogger} from '../../support/fakes.js'
import {useTempDir} from '../../support/run-fakes.js'

const SPOOL_MODULE = fileURLToPath(new URL('../../../src/run/spool.ts', import.meta.url))

/** Collects what is written into it. */
function sink() {
  const chunks: Buffer[] = []
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk)
      callback()
    },
  })
  return {out, bytes: () => Buffer.concat(chunks)}
}

/** A scheme's backup that writes `data` in pieces (ending its stream, or not). */
const writing =
  (data: Buffer, end = true) =>
  async (into: Writable) => {
    for (let i = 0; i < data.length; i += 100_000) {
      if (!into.write(data.subarray(i, i + 100_000))) await new Promise((resolve) => into.once('drain', resolve))
    }
    if (end) into.end()
  }

describe('the spool', function () {
  const dir = useTempDir('bb-spool-')
  const never = new AbortController().signal

  describe('its file', function () {
    it('is a hidden file of this host and process, mode 0600, that gets every byte and gives them back', async function () {
      const spool = await createSpool(dir())
      expect(spool.file.startsWith(join(dir(), `${SPOOL_PREFIX}${hostname()}-${process.pid}-`))).to.equal(true)
      expect((await stat(spool.file)).mode & 0o777).to.equal(0o600)
      const data = randomBytes(3 * 1024 * 1024 + 11)
      const read = await spool.fill(writing(data), never)
      expect(read.bytes).to.equal(data.length)
      expect(read.seconds).to.be.a('number').at.least(0)
      const {out, bytes} = sink()
      await spool.drain(out, never)
      expect(bytes().equals(data)).to.equal(true)
      await spool.remove()
      expect(await readdir(dir())).to.deep.equal([])
      await spool.remove() // twice is fine
    })

    it('is complete when the scheme resolves without ending its stream', async function () {
      const spool = await createSpool(dir())
      const data = randomBytes(250_000)
      expect((await spool.fill(writing(data, false), never)).bytes).to.equal(data.length)
      const {out, bytes} = sink()
      await spool.drain(out, never)
      expect(bytes().equals(data)).to.equal(true)
      await spool.remove()
    })

    it("fails with the scheme's error when the read fails, and is removed", async function () {
      const spool = await createSpool(dir())
      const error = await spool
        .fill(async (into) => {
          into.write(randomBytes(1000))
          throw new Error('the engine broke the archive stream')
        }, never)
        .catch((e: Error) => e)
      expect((error as Error).message).to.equal('the engine broke the archive stream')
      await spool.remove()
      expect(await readdir(dir())).to.deep.equal([])
    })

    it('fails when interrupted during the read: the stream the scheme writes into is destroyed', async function () {
      const spool = await createSpool(dir())
      const interrupt = new AbortController()
      const source = new PassThrough()
      const filling = spool.fill((into) => pipeline(source, into), interrupt.signal)
      source.write(randomBytes(1000))
      setTimeout(() => interrupt.abort(new Error('interrupted by SIGTERM')), 20)
      const error = await filling.catch((e: Error) => e)
      expect(error).to.be.instanceOf(Error)
      await spool.remove()
      expect(await readdir(dir())).to.deep.equal([])
    })

    it('tells onBytes how much it holds while it is filled', async function () {
      const spool = await createSpool(dir())
      const seen: number[] = []
      await spool.fill(
        async (into) => {
          into.write(randomBytes(5000))
          await new Promise((resolve) => setTimeout(resolve, 600))
          into.end()
        },
        never,
        (bytes) => seen.push(bytes),
      )
      expect(seen).to.include(5000)
      await spool.remove()
    })

    it('is removed when the process ends through process.exit (a second SIGINT), where no finally runs', async function () {
      const script = `import {createSpool} from ${JSON.stringify(SPOOL_MODULE)}
        const spool = await createSpool(${JSON.stringify(dir())})
        await spool.fill(async (into) => { into.write('data') }, new AbortController().signal)
        console.log(spool.file)
        process.exit(130)`
      const child = await execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {reject: false})
      expect(child.exitCode, child.stderr).to.equal(130)
      expect(child.stdout).to.contain(SPOOL_PREFIX)
      expect(await readdir(dir())).to.deep.equal([])
    })
  })

  describe('sweepSpools', function () {
    it("removes this host's spool files whose run is gone, and nothing else", async function () {
      const dead = deadPid()
      const names = {
        killed: `${SPOOL_PREFIX}${hostname()}-${dead}-0123abcd`,
        live: `${SPOOL_PREFIX}${hostname()}-${process.pid}-0123abcd`,
        otherHost: `${SPOOL_PREFIX}elsewhere.example-${dead}-0123abcd`,
        unrelated: `${SPOOL_PREFIX}notes.txt`,
        version: 'web',
      }
      for (const name of Object.values(names)) await writeFile(join(dir(), name), 'x')
      const log = quietLogger()
      expect(await sweepSpools(dir(), log)).to.deep.equal([names.killed])
      expect((await readdir(dir())).sort()).to.deep.equal([names.live, names.otherHost, names.unrelated, names.version].sort())
      expect(log.lines.join('\n')).to.contain(`a spool file a killed backupbot run (pid ${dead}) left`)
    })

    it('finds nothing in a folder that does not exist', async function () {
      expect(await sweepSpools(join(dir(), 'missing'), quietLogger())).to.deep.equal([])
    })
  })

  describe('chooseSpool', function () {
    let free: number
    beforeEach(async function () {
      const fs = await statfs(dir())
      free = fs.bavail * fs.bsize
    })

    const settings = (bytes: number | undefined, extra: Partial<SpoolSettings> = {}): SpoolSettings & {asked: Array<[string | undefined, number]>} => {
      const asked: Array<[string | undefined, number]> = []
      return {
        dir: dir(),
        enabled: true,
        localTargets: [],
        asked,
        async sizeOf(identity, limit) {
          asked.push([identity, limit])
          return bytes === undefined ? undefined : {bytes, how: 'measured'}
        },
        ...extra,
      }
    }

    it('spools an item whose data fits with the margin, asking for its size by identity', async function () {
      const given = settings(1024 * 1024)
      expect(await chooseSpool(given, 'volume:p_data')).to.deep.equal({spool: true})
      expect(given.asked[0]![0]).to.equal('volume:p_data')
      // Counting may stop once the data could not fit anyway.
      expect(given.asked[0]![1]).to.be.closeTo((free - SPOOL_MARGIN.bytes) / (1 + SPOOL_MARGIN.share), free / 1000)
    })

    it('streams, saying why, when the file system has no room for the data and the margin', async function () {
      const choice = await chooseSpool(settings(free), 'host:/srv/p/data')
      expect(choice.spool).to.equal(false)
      expect((choice as {why: string}).why).to.match(new RegExp(`^the spool would need \\d+ MiB \\(\\d+ MiB measured, a margin\\) and ${dir()} has \\d+ MiB free$`))
    })

    it('counts the new version too when a local target shares the file system', async function () {
      const bytes = Math.floor((free - SPOOL_MARGIN.bytes) / 1.5)
      expect(await chooseSpool(settings(bytes), 'volume:v')).to.deep.equal({spool: true})
      const shared = await chooseSpool(settings(bytes, {localTargets: [join(dir(), 'backups')]}), 'volume:v')
      expect(shared.spool).to.equal(false)
      expect((shared as {why: string}).why).to.contain('room for the new version on the same file system')
    })

    it('streams when the size cannot be told, or telling it fails', async function () {
      expect(await chooseSpool(settings(undefined), undefined)).to.deep.equal({spool: false, why: 'its size cannot be told before reading it'})
      const failing = settings(1, {sizeOf: async () => Promise.reject(new Error('engine unreachable'))})
      expect(await chooseSpool(failing, 'volume:v')).to.deep.equal({spool: false, why: 'its size cannot be told before reading it (engine unreachable)'})
    })

    it('streams with --no-spool without asking anything', async function () {
      const given = settings(1, {enabled: false})
      expect(await chooseSpool(given, 'volume:v')).to.deep.equal({spool: false, why: '--no-spool'})
      expect(given.asked).to.deep.equal([])
    })
  })

  describe('spoolSettings', function () {
    const engine = () => {
      throw new Error('no engine in unit tests')
    }
    const restic = {location: 'restic:/srv/repo', wantsCompressed: false} as unknown as Store

    it('puts the spool into the first local target by default, else into TMPDIR', async function () {
      const first = new LocalStore(join(dir(), 'a'))
      const second = new LocalStore(join(dir(), 'b'))
      const settings = await spoolSettings({cwd: dir(), enabled: true, stores: [restic, first, second], engine})
      expect(settings).to.deep.include({dir: first.location, enabled: true, localTargets: [first.location, second.location]})
      expect((await spoolSettings({cwd: dir(), enabled: true, stores: [restic], engine})).dir).to.equal(tmpdir())
    })

    it('takes --spool-dir relative to the working directory, and refuses one that does not exist (exit 2)', async function () {
      await mkdir(join(dir(), 'spool'))
      expect((await spoolSettings({dir: 'spool', cwd: dir(), enabled: true, stores: [], engine})).dir).to.equal(join(dir(), 'spool'))
      const error = await spoolSettings({dir: 'nope', cwd: dir(), enabled: true, stores: [], engine}).catch((e: Error) => e)
      expect(error).to.be.instanceOf(UsageError)
      expect((error as Error).message).to.equal('--spool-dir nope: no such directory')
    })

    it("measures a host directory's tar and asks the engine about a volume", async function () {
      const data = join(dir(), 'data')
      await mkdir(data)
      await writeFile(join(data, 'f'), randomBytes(10_000))
      const asked: string[] = []
      const fakeEngine = () => ({volumeSize: async (volume: string) => (asked.push(volume), {bytes: 42, how: 'engine' as const})}) as never
      const settings = await spoolSettings({cwd: dir(), enabled: true, stores: [], engine: fakeEngine})
      const host = await settings.sizeOf(`host:${data}`, Number.POSITIVE_INFINITY)
      expect(host?.how).to.equal('measured')
      expect(host?.bytes).to.be.above(10_000)
      expect(await settings.sizeOf('volume:p_data', 1e9)).to.deep.equal({bytes: 42, how: 'engine'})
      expect(asked).to.deep.equal(['p_data'])
      expect(await settings.sizeOf(undefined, 1e9)).to.equal(undefined)
      expect(await settings.sizeOf('database:shop', 1e9)).to.equal(undefined)
    })
  })
})
