import {expect} from 'chai'
import {PassThrough, Readable, Writable} from 'node:stream'

import type {ContainerRef} from 'backupbot'
import {collect as sink, type FakeExec, fakeRunContext} from 'backupbot/testing'

import {postgresScheme as scheme} from '../src/index.js'
import {all as allItem, custom as customItem, DUMP, shop as item, PASSWORD} from './fixtures.js'

const runContext = (exec: (cmd: string[]) => FakeExec, containers?: ContainerRef[]) => fakeRunContext({exec, containers, scheme: 'backup_postgres'})

const CLUSTER = `--\n-- PostgreSQL database cluster dump\n--\n\n${DUMP}--\n-- PostgreSQL database cluster dump complete\n--\n\n`

describe('backing up with backup_postgres (fake engine)', function () {
  it('streams the dump into out (the core gzips it), run in the running container with the password only in PGPASSWORD', async function () {
    const {ctx, calls} = runContext(() => ({stdout: DUMP}))
    const out = sink()
    await scheme.backup(ctx, item, out.out)
    expect(out.text()).to.equal(DUMP)
    expect(calls).to.have.length(1)
    expect(calls[0]!.container).to.equal('c1')
    expect(calls[0]!.cmd[0]).to.equal('pg_dump')
    expect(calls[0]!.options?.env).to.deep.equal({PGPASSWORD: PASSWORD})
    expect(JSON.stringify(calls.map((c) => c.cmd))).not.to.contain(PASSWORD)
  })

  it('accepts a trailer without the \\unrestrict line (older servers) and a large dump in many chunks', async function () {
    const rows = Array.from({length: 20_000}, (_, i) => `${i}\tname ${i}\n`).join('')
    const body = `--\n-- PostgreSQL database dump\n--\nCOPY t FROM stdin;\n${rows}\\.\n\n--\n-- PostgreSQL database dump complete\n--\n\n`
    const chunks = body.match(/[\s\S]{1,1000}/g)!.map((c) => Buffer.from(c))
    const {ctx} = runContext(() => ({stdout: Readable.from(chunks)}))
    const out = sink()
    await scheme.backup(ctx, item, out.out)
    expect(out.text()).to.equal(body)
  })

  it('checks the cluster trailer of pg_dumpall, not the per-database one', async function () {
    const {ctx, calls} = runContext(() => ({stdout: CLUSTER}))
    const out = sink()
    await scheme.backup(ctx, allItem, out.out)
    expect(out.text()).to.equal(CLUSTER)
    expect(calls[0]!.cmd[0]).to.equal('pg_dumpall')

    const cut = runContext(() => ({stdout: CLUSTER.split('-- PostgreSQL database cluster dump complete')[0]!}))
    const error = await scheme.backup(cut.ctx, allItem, sink().out).catch((e: Error) => e)
    expect((error as Error).message).to.contain('incomplete').and.to.contain('"-- PostgreSQL database cluster dump complete" trailer')
  })

  it('writes a custom archive as pg_dump writes it', async function () {
    const archive = Buffer.concat([Buffer.from('PGDMP'), Buffer.from([1, 14, 0, 4, 8, 1, 1, 0xff, 0x00, 0x9c])])
    const {ctx, calls} = runContext(() => ({stdout: archive}))
    const out = sink()
    await scheme.backup(ctx, customItem, out.out)
    expect(out.bytes()).to.deep.equal(archive)
    expect(calls[0]!.cmd).to.include('--format=custom')
  })

  it('fails a custom dump whose output does not start with PGDMP', async function () {
    const {ctx} = runContext(() => ({stdout: DUMP}))
    const error = await scheme.backup(ctx, customItem, sink().out).catch((e: Error) => e)
    expect((error as Error).message).to.contain('not a pg_dump custom archive').and.to.contain('"PGDMP"')
  })

  it('fails a custom dump with the server message when pg_dump exits non-zero, whatever it wrote', async function () {
    const stderr = 'pg_dump: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  database "nope" does not exist\n'
    const {ctx} = runContext(() => ({stdout: 'PGDMP', stderr, exitCode: 1}))
    const error = await scheme.backup(ctx, customItem, sink().out).catch((e: Error) => e)
    expect((error as Error).message).to.contain('pg_dump failed (exit code 1) dumping database shop in p_db_1').and.to.contain('database "nope" does not exist')
  })

  it('fails with the server message when pg_dump exits non-zero', async function () {
    const stderr = 'pg_dump: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  password authentication failed for user "shopadmin"\n'
    const {ctx} = runContext(() => ({stderr, exitCode: 1}))
    const error = await scheme.backup(ctx, item, sink().out).catch((e: Error) => e)
    expect((error as Error).message)
      .to.contain('pg_dump failed (exit code 1) dumping database shop in p_db_1')
      .and.to.contain('password authentication failed for user "shopadmin"')
  })

  it('says why when the engine cannot start pg_dump (its message comes on stdout)', async function () {
    const stdout = 'OCI runtime exec failed: exec failed: unable to start container process: exec: "pg_dump": executable file not found in $PATH: unknown\r\n'
    const {ctx} = runContext(() => ({stdout, exitCode: 127}))
    const error = await scheme.backup(ctx, item, sink().out).catch((e: Error) => e)
    expect((error as Error).message).to.contain('exit code 127').and.to.contain('"pg_dump": executable file not found')
  })

  it('fails on a dump cut short (no trailer) even when the exit code is 0', async function () {
    const {ctx} = runContext(() => ({stdout: DUMP.split('-- PostgreSQL database dump complete')[0]!}))
    const error = await scheme.backup(ctx, item, sink().out).catch((e: Error) => e)
    expect((error as Error).message).to.contain('incomplete').and.to.contain('"-- PostgreSQL database dump complete" trailer')
  })

  it('does not take a trailer in the middle for the end', async function () {
    const {ctx} = runContext(() => ({stdout: `${DUMP}CREATE TABLE u (y int);\n`}))
    const error = await scheme.backup(ctx, item, sink().out).catch((e: Error) => e)
    expect((error as Error).message).to.contain('incomplete')
  })

  it('fails clearly when the service has no running container, without running anything', async function () {
    const {ctx, calls} = runContext(() => ({stdout: DUMP}), [{id: 'c1', name: 'p_db_1', running: false}])
    const error = await scheme.backup(ctx, item, sink().out).catch((e: Error) => e)
    expect((error as Error).message).to.contain('service db has no running container')
    expect(calls).to.deep.equal([])
  })

  it('keeps only the end of a long stderr and logs the warnings of a successful dump', async function () {
    const noise = 'x'.repeat(200 * 1024)
    const {ctx, log} = runContext(() => ({stdout: DUMP, stderr: `${noise}\npg_dump: warning: there are circular foreign-key constraints\n`}))
    await scheme.backup(ctx, item, sink().out)
    const warnings = log.lines.filter((l) => l.startsWith('warn:'))
    expect(warnings.at(-1)).to.equal('warn: db: pg_dump: pg_dump: warning: there are circular foreign-key constraints')
    expect(warnings.join('').length).to.be.lessThan(70 * 1024)
  })

  it('fails when the artifact cannot be written, and leaves no unhandled rejection', async function () {
    const stdout = new PassThrough()
    stdout.end(DUMP)
    const {ctx} = runContext(() => ({stdout}))
    const out = new Writable({write: (_chunk, _encoding, callback) => callback(new Error('disk full'))})
    const error = await scheme.backup(ctx, item, out).catch((e: Error) => e)
    expect((error as Error).message).to.equal('pg_dump output could not be written: disk full')
  })

  it('stops at once when backupbot is interrupted', async function () {
    const stdout = new PassThrough()
    stdout.write('--\n-- PostgreSQL database dump\n')
    const {ctx, abort} = runContext(() => ({stdout}))
    const done = scheme.backup(ctx, item, sink().out).catch((e: Error) => e)
    setTimeout(() => abort(), 20)
    const error = await done
    expect((error as Error).name).to.equal('AbortError')
  })
})
