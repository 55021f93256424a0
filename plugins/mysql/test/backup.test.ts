import {expect} from 'chai'
import {PassThrough, Readable, Writable} from 'node:stream'

import {collect as sink, type FakeExec} from 'backupbot/testing'

import {mysqlScheme as scheme} from '../src/index.js'
import {shop as item, runContext} from './fixtures.js'

const DUMP = [
  '-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)',
  'CREATE TABLE `t` (`x` int(11) DEFAULT NULL);',
  "INSERT INTO `t` VALUES (1),(NULL),('grüße');",
  '-- Dump completed on 2024-05-01 10:11:12',
  '',
].join('\n')

/** The tool lookup answers mariadb-dump; the dump itself answers `dump`. */
const withDump = (dump: FakeExec) => (cmd: string[]) => (cmd[0] === 'sh' ? {stdout: '/usr/bin/mariadb-dump\n'} : dump)

describe('backing up with backup_mysql (fake engine)', function () {
  it('streams the dump into out (the core compresses it), run in the running container with the password only in MYSQL_PWD', async function () {
    const {ctx, calls} = runContext(withDump({stdout: DUMP}))
    const out = sink()
    await scheme.backup(ctx, item, out.out)
    expect(out.text()).to.equal(DUMP)
    const dump = calls.find((c) => c.cmd[0] === '/usr/bin/mariadb-dump')!
    expect(dump.container).to.equal('c1')
    expect(dump.options?.env).to.deep.equal({MYSQL_PWD: 'pw-Zq81!'})
    expect(JSON.stringify(calls.map((c) => c.cmd))).not.to.contain('pw-Zq81!')
  })

  it('accepts a trailer without a date (--skip-dump-date) and a large dump arriving in many chunks', async function () {
    const rows = Array.from({length: 20_000}, (_, i) => `INSERT INTO t VALUES (${i});\n`).join('')
    const body = `-- MariaDB dump\n${rows}-- Dump completed\n`
    const chunks = body.match(/[\s\S]{1,1000}/g)!.map((c) => Buffer.from(c))
    const {ctx} = runContext(withDump({stdout: Readable.from(chunks)}))
    const out = sink()
    await scheme.backup(ctx, item, out.out)
    expect(out.text()).to.equal(body)
  })

  it('fails with the server message when the tool exits non-zero', async function () {
    const stderr = `mariadb-dump: Got error: 1045: "Access denied for user 'shopuser'@'localhost' (using password: YES)" when trying to connect\n`
    const {ctx} = runContext(withDump({stderr, exitCode: 2}))
    const error = await scheme.backup(ctx, item, sink().out).catch((e: Error) => e)
    expect((error as Error).message)
      .to.contain('mariadb-dump failed (exit code 2) dumping database shop in p_db_1')
      .and.to.contain("Access denied for user 'shopuser'@'localhost'")
  })

  it('fails on a dump cut short (no trailer) even when the exit code is 0', async function () {
    const {ctx} = runContext(withDump({stdout: DUMP.split('-- Dump completed')[0]!}))
    const error = await scheme.backup(ctx, item, sink().out).catch((e: Error) => e)
    expect((error as Error).message).to.contain('incomplete').and.to.contain('"-- Dump completed" trailer').and.to.contain('--skip-comments')
  })

  it('does not take a "Dump completed" line in the middle for the trailer', async function () {
    const {ctx} = runContext(withDump({stdout: `${DUMP}INSERT INTO t VALUES (2);\n`}))
    const error = await scheme.backup(ctx, item, sink().out).catch((e: Error) => e)
    expect((error as Error).message).to.contain('incomplete')
  })

  it('fails clearly when the service has no running container, without running anything', async function () {
    const {ctx, calls} = runContext(withDump({stdout: DUMP}), [{id: 'c1', name: 'p_db_1', running: false}])
    const error = await scheme.backup(ctx, item, sink().out).catch((e: Error) => e)
    expect((error as Error).message).to.contain('service db has no running container')
    expect(calls).to.deep.equal([])
  })

  it('keeps only the end of a long stderr and logs the warnings of a successful dump', async function () {
    const noise = 'x'.repeat(200 * 1024)
    const {ctx, log} = runContext(withDump({stdout: DUMP, stderr: `${noise}\nWarning: something minor\n`}))
    await scheme.backup(ctx, item, sink().out)
    const warnings = log.lines.filter((l) => l.startsWith('warn:'))
    expect(warnings.at(-1)).to.equal('warn: db: mariadb-dump: Warning: something minor')
    expect(warnings.join('').length).to.be.lessThan(70 * 1024)
  })

  it('fails when the artifact cannot be written, and leaves no unhandled rejection', async function () {
    const stdout = new PassThrough()
    stdout.end(DUMP)
    const {ctx} = runContext(withDump({stdout}))
    const out = new Writable({write: (_chunk, _encoding, callback) => callback(new Error('disk full'))})
    const error = await scheme.backup(ctx, item, out).catch((e: Error) => e)
    expect((error as Error).message).to.equal('mariadb-dump output could not be written: disk full')
  })

  it('stops at once when backupbot is interrupted', async function () {
    const stdout = new PassThrough()
    stdout.write('-- MariaDB dump\n')
    const {ctx, abort} = runContext(withDump({stdout}))
    const done = scheme.backup(ctx, item, sink().out).catch((e: Error) => e)
    setTimeout(() => abort(), 20)
    const error = await done
    expect((error as Error).name).to.equal('AbortError')
  })
})
