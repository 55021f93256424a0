// The metrics file after runs of every outcome, read back with a Prometheus text-format parser.
import {expect} from 'chai'
import {mkdir, mkdtemp, readdir, rm, stat, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {errorDocument} from '../../../src/cli/error-document.js'
import type {RunOutcome} from '../../../src/cli/run-outcome.js'
import {stderrLogger} from '../../../src/log/logger.js'
import {SecretMasker} from '../../../src/log/secrets.js'
import {metricsRun} from '../../../src/metrics/metrics-run.js'
import type {BackupResult, ItemResult} from '../../../src/run/result.js'
import {readMetrics} from '../../support/prometheus.js'

const T0 = 1_700_000_000_000

const volume: ItemResult = {project: 'shop', service: 'db', scheme: 'backup_volume', item: 'dbdata', source: 'shop_dbdata', file: '/srv/b/db.tar.gz', bytes: 4096, seconds: 2.5, downtimeSeconds: 1.25, status: 'ok'}
const files: ItemResult = {project: 'shop', service: 'web', scheme: 'backup_host_directories', item: 'html', source: '/srv/shop/html', seconds: 0.5, status: 'ok', bytes: 100,
  stores: [{target: '/srv/b', status: 'ok', bytes: 100}, {target: '/mnt/usb', status: 'ok', bytes: 100}]}
const result = (ok: boolean, items: ItemResult[]): BackupResult => ({ok, target: '/srv/b', items})

describe('the metrics file', function () {
  let dir: string
  let file: string
  let lines: string[]
  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bb-metrics-'))
    file = path.join(dir, 'backupbot.prom')
    lines = []
  })
  afterEach(async function () {
    await rm(dir, {recursive: true, force: true})
  })

  /** A run that took `seconds` and ended at T0 + `at` seconds. */
  async function run(outcome: Omit<RunOutcome<BackupResult>, 'text'>, at: number, seconds = 3, into = file): Promise<void> {
    const times = [T0 + (at - seconds) * 1000, T0 + at * 1000]
    const log = stderrLogger(new SecretMasker(), 'info', (line) => lines.push(line) > 0)
    await metricsRun(into, log, () => times.shift()!).finish({...outcome, text: ''})
  }

  it('holds the run and every item in every target after a run that succeeded', async function () {
    await run({exitCode: 0, document: result(true, [volume, files])}, 10, 3)
    const m = await readMetrics(file)
    const end = T0 / 1000 + 10
    expect(m.value('backupbot_run_last_timestamp_seconds')).to.equal(end)
    expect(m.value('backupbot_run_last_success_timestamp_seconds')).to.equal(end)
    expect(m.value('backupbot_run_duration_seconds')).to.equal(3)
    expect(m.value('backupbot_run_status')).to.equal(1)
    expect(m.value('backupbot_run_exit_code')).to.equal(0)
    const db = {project: 'shop', service: 'db', scheme: 'backup_volume', item: 'dbdata', target: '/srv/b'}
    expect(m.value('backupbot_item_bytes', db)).to.equal(4096)
    expect(m.value('backupbot_item_duration_seconds', db)).to.equal(2.5)
    expect(m.value('backupbot_item_downtime_seconds', db)).to.equal(1.25)
    expect(m.value('backupbot_item_status', db)).to.equal(1)
    expect(m.value('backupbot_item_last_success_timestamp_seconds', db)).to.equal(end)
    for (const target of ['/srv/b', '/mnt/usb']) {
      const html = {service: 'web', item: 'html', target}
      expect(m.value('backupbot_item_bytes', html)).to.equal(100)
      expect(m.value('backupbot_item_status', html)).to.equal(1)
    }
    // Only items that stopped containers have a downtime.
    expect(m.samples('backupbot_item_downtime_seconds')).to.have.length(1)
    expect(m.families.every((f) => f.type === 'GAUGE')).to.equal(true)
  })

  it('carries the last successes over from the file it replaces while the run or an item fails', async function () {
    await run({exitCode: 0, document: result(true, [volume, files])}, 10)
    const broken = {...files, stores: [{target: '/srv/b', status: 'ok' as const, bytes: 100}, {target: '/mnt/usb', status: 'failed' as const, error: 'disk full'}], status: 'failed' as const}
    await run({exitCode: 1, document: result(false, [{...volume, status: 'failed', bytes: undefined, file: undefined, error: 'boom'}, broken])}, 20)
    const m = await readMetrics(file)
    const [first, second] = [T0 / 1000 + 10, T0 / 1000 + 20]
    expect(m.value('backupbot_run_last_timestamp_seconds')).to.equal(second)
    expect(m.value('backupbot_run_last_success_timestamp_seconds')).to.equal(first)
    expect(m.value('backupbot_run_status')).to.equal(0)
    expect(m.value('backupbot_run_exit_code')).to.equal(1)
    const db = {service: 'db', item: 'dbdata', target: '/srv/b'}
    expect(m.value('backupbot_item_status', db)).to.equal(0)
    expect(m.value('backupbot_item_bytes', db)).to.equal(undefined)
    expect(m.value('backupbot_item_last_success_timestamp_seconds', db)).to.equal(first)
    // The target that has the new version succeeded; the other did not.
    expect(m.value('backupbot_item_last_success_timestamp_seconds', {item: 'html', target: '/srv/b'})).to.equal(second)
    expect(m.value('backupbot_item_status', {item: 'html', target: '/mnt/usb'})).to.equal(0)
    expect(m.value('backupbot_item_last_success_timestamp_seconds', {item: 'html', target: '/mnt/usb'})).to.equal(first)
    expect(lines).to.deep.equal([])
  })

  it('holds only the run\'s metrics after an error before any item ran, and no last success before one', async function () {
    await run({exitCode: 2, document: errorDocument({name: 'UsageError', message: 'bad'}, 2)}, 10)
    const m = await readMetrics(file)
    expect(m.value('backupbot_run_status')).to.equal(0)
    expect(m.value('backupbot_run_exit_code')).to.equal(2)
    // Not 0 (1970): there was no success yet.
    expect(m.samples('backupbot_run_last_success_timestamp_seconds')).to.deep.equal([])
    expect(m.families.filter((f) => f.name.startsWith('backupbot_item_') && f.metrics.length > 0)).to.deep.equal([])
  })

  it('is replaced whole, mode 0644 whatever the umask, with no temporary file left', async function () {
    const umask = process.umask(0o077)
    try {
      await run({exitCode: 0, document: result(true, [volume])}, 10)
    } finally {
      process.umask(umask)
    }
    expect((await stat(file)).mode & 0o777).to.equal(0o644)
    expect(await readdir(dir)).to.deep.equal(['backupbot.prom'])
  })

  it('is a warning, not an error, when it cannot be written', async function () {
    await run({exitCode: 0, document: result(true, [volume])}, 10, 3, path.join(dir, 'missing', 'backupbot.prom'))
    expect(lines).to.have.length(1)
    expect(lines[0]).to.match(/^warning: cannot write the metrics file .*missing\/backupbot\.prom: ENOENT.*\(the backup's outcome is unchanged\)\n$/)
  })

  it('replaces a file that holds no metrics of ours, with nothing to carry over from it', async function () {
    await writeFile(file, 'this is { not prometheus\nbackupbot_run_last_success_timestamp_seconds{x="1 5\n')
    await run({exitCode: 1, document: result(false, [{...volume, status: 'failed'}])}, 10)
    expect(lines).to.deep.equal([])
    const m = await readMetrics(file)
    expect(m.samples('backupbot_run_last_success_timestamp_seconds')).to.deep.equal([])
    expect(m.value('backupbot_run_exit_code')).to.equal(1)
    expect(m.samples('backupbot_item_last_success_timestamp_seconds')).to.deep.equal([])
  })

  it('is not written without a file', async function () {
    await mkdir(path.join(dir, 'sub'))
    await metricsRun(undefined, stderrLogger(new SecretMasker(), 'info', (line) => lines.push(line) > 0)).finish({exitCode: 0, document: result(true, []), text: ''})
    expect(await readdir(dir)).to.deep.equal(['sub'])
    expect(lines).to.deep.equal([])
  })
})
