// The daemon with a stand-in for `backup`: a small Node.js script run as the child process, so
// the exit codes, the output relay and the signal hand-over are the real ones.
import {expect} from 'chai'
import {EventEmitter} from 'node:events'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {type DaemonLogger, runDaemon} from '../../../src/daemon/daemon.js'
import {UsageError} from '../../../src/errors.js'
import {recordingLogger} from '../../../src/testing/index.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * `node fake-backup.mjs DIR [--dry-run]`: the dry run exits with DIR/dry-exit (default 0); run n
 * (counted in DIR/count) exits with the n-th line of DIR/exits, or with `term` waits for SIGTERM,
 * writes DIR/terminated and exits 130 a moment later (as backup does after starting containers).
 */
const FAKE_BACKUP = `
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
const dir = process.argv[2]
const read = (name, fallback) => existsSync(dir + '/' + name) ? readFileSync(dir + '/' + name, 'utf8').trim() : fallback
if (process.argv.includes('--dry-run')) {
  console.log('plan: app named_volumes/data')
  process.exit(Number(read('dry-exit', '0')))
}
const n = Number(read('count', '0')) + 1
writeFileSync(dir + '/count', String(n))
const exit = read('exits', '0').split('\\n')[n - 1] ?? '0'
console.error('run ' + n + ' of the fake backup')
if (exit === 'term') {
  let signals = 0
  process.on('SIGTERM', () => {
    writeFileSync(dir + '/terminated', String(++signals))
    setTimeout(() => process.exit(130), 400)
  })
  setInterval(() => {}, 1000)
} else process.exit(Number(exit))
`

describe('runDaemon', function () {
  this.timeout(15_000)
  let dir: string
  let script: string
  let log: DaemonLogger & {lines: string[]}
  let relayed: string[]
  let signals: EventEmitter

  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bb-daemon-'))
    script = path.join(dir, 'fake-backup.mjs')
    await writeFile(script, FAKE_BACKUP)
    const recording = recordingLogger()
    log = Object.assign(recording, {error: (message: string) => void recording.lines.push(`error: ${message}`)})
    relayed = []
    signals = new EventEmitter()
  })

  afterEach(async function () {
    await rm(dir, {recursive: true, force: true})
  })

  const start = () =>
    runDaemon({schedule: {cron: '* * * * * *'}, backup: [process.execPath, script, dir], log, relay: (line) => void relayed.push(line), signals})

  async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
    for (let i = 0; i < 300; i++) {
      if (await condition()) return
      await sleep(25)
    }
    throw new Error(`timed out waiting for ${what}; log:\n${log.lines.join('\n')}`)
  }

  it('refuses to start when backup --dry-run with the arguments exits with 2, relaying what it said', async function () {
    await writeFile(path.join(dir, 'dry-exit'), '2')
    let error: unknown
    await start().catch((caught) => (error = caught))
    expect(error).to.be.instanceOf(UsageError)
    expect((error as UsageError).message).to.contain('the backup arguments do not work: backup --dry-run exited with 2')
    expect(relayed).to.deep.equal(['plan: app named_volumes/data'])
    expect(await readFile(path.join(dir, 'count'), 'utf8').catch(() => 'none')).to.equal('none')
  })

  it('starts anyway, with a warning, when the dry run fails otherwise (the engine may come up later)', async function () {
    await writeFile(path.join(dir, 'dry-exit'), '1')
    const daemon = start()
    await until('the first run', () => relayed.includes('run 1 of the fake backup'))
    signals.emit('SIGTERM', 'SIGTERM')
    await daemon
    expect(log.lines).to.include('warn: backup --dry-run exited with 1: starting anyway, the runs may succeed later')
  })

  it('logs each run by its exit code and goes on: ok, skipped for the lock (3), failed (1), any other code', async function () {
    await writeFile(path.join(dir, 'exits'), '0\n3\n1\n139\n0')
    const daemon = start()
    await until('four runs', () => log.lines.some((line) => line.startsWith('error: run 4 ')))
    signals.emit('SIGINT', 'SIGINT')
    await daemon
    const runs = log.lines.filter((line) => / run \d /.test(line))
    expect(runs.slice(0, 8).map((line) => line.replace(/\d+\.\d s/, 'N s').replace(/started at \S+/, 'started at T'))).to.deep.equal([
      'info: run 1 started at T',
      'info: run 1 finished after N s: exit 0',
      'info: run 2 started at T',
      'warn: run 2 skipped: another run holds the lock (exit 3, after N s)',
      'info: run 3 started at T',
      'error: run 3 failed after N s: exit 1 (some item failed)',
      'info: run 4 started at T',
      'error: run 4 failed after N s: exit 139 (unexpected)',
    ])
    expect(relayed).to.include.members(['run 1 of the fake backup', 'run 4 of the fake backup'])
    expect(log.lines.filter((line) => line.startsWith('info: next run at ')).length).to.be.at.least(5)
    expect(log.lines.at(-1)).to.equal('info: daemon stopped')
  })

  it('passes SIGTERM on to the run that is going, also a second one, and ends only after the run has', async function () {
    await writeFile(path.join(dir, 'exits'), 'term')
    const daemon = start()
    let ended = false
    void daemon.then(() => (ended = true))
    await until('the run', () => relayed.includes('run 1 of the fake backup'))
    signals.emit('SIGTERM', 'SIGTERM')
    await until('the run to get SIGTERM', async () => (await readFile(path.join(dir, 'terminated'), 'utf8').catch(() => '')) === '1')
    signals.emit('SIGTERM', 'SIGTERM')
    await until('the second SIGTERM', async () => (await readFile(path.join(dir, 'terminated'), 'utf8').catch(() => '')) === '2')
    expect(ended, 'still waiting for the run').to.equal(false)
    await daemon
    expect(log.lines.filter((line) => line.includes('SIGTERM received: passed on to the run that is going'))).to.have.length(2)
    expect(log.lines).to.include.members(['info: daemon stopped'])
    expect(log.lines.some((line) => /^warn: run 1 interrupted after \d+\.\d s: exit 130/.test(line))).to.equal(true)
    // No run after the signal.
    expect(await readFile(path.join(dir, 'count'), 'utf8')).to.equal('1')
  })
})
