import {expect} from 'chai'
import {PassThrough} from 'node:stream'

import type {BackupItem, RestoreOptions, StoredArtifact} from 'backupbot'
import {type ExecCall, fakeArtifact, type FakeExec} from 'backupbot/testing'

import {mysqlScheme as scheme} from '../src/index.js'
import type {DumpData} from '../src/plan.js'
import {PASSWORD, runContext, shop} from './fixtures.js'

const DUMP = '-- MariaDB dump\nCREATE TABLE `t` (`x` int);\nINSERT INTO `t` VALUES (1);\n-- Dump completed on 2024-05-01 10:11:12\n'
const all: BackupItem<DumpData> = {...shop, name: 'all-databases', data: {...shop.data, database: undefined, user: 'root'}}

// Handed out in many chunks, as a large dump arrives.
const artifact = (dump = DUMP): StoredArtifact => fakeArtifact(dump, {file: '/b/db/mysql/shop/shop.2/shop.sql.gz', number: 2})

const options = (o: Partial<RestoreOptions> = {}): RestoreOptions => ({force: false, dryRun: false, devices: false, ...o})

/**
 * A server whose database state answers `state` (a row of charset, collation, tables, routines,
 * or '' when it does not exist); `load` answers the restore itself.
 */
function server(state: string, load: FakeExec = {}, extra: (cmd: string[]) => FakeExec | undefined = () => undefined) {
  return runContext((cmd) => {
    const custom = extra(cmd)
    if (custom) return custom
    if (cmd[0] === 'sh') return {stdout: '/usr/bin/mariadb\n'}
    const sql = cmd.at(-1)!
    if (cmd.includes('-e') && sql.includes('information_schema.SCHEMATA')) return {stdout: state}
    if (cmd.includes('-e')) return {}
    return load
  })
}

const statements = (calls: ExecCall[]) => calls.filter((c) => c.cmd.includes('-e')).map((c) => c.cmd.at(-1)!)
const ddl = (calls: ExecCall[]) => statements(calls).filter((s) => !s.startsWith('SELECT'))
const loads = (calls: ExecCall[]) => calls.filter((c) => c.options?.stdin !== undefined)

describe('restoring with backup_mysql (fake engine)', function () {
  it('creates a missing database and feeds the dump to the client, the password only in MYSQL_PWD', async function () {
    const {ctx, calls} = server('')
    const report = await scheme.restore!(ctx, shop, artifact(), options())
    expect(report).to.deep.equal({destination: 'database shop', stopped: [], replaced: false})
    expect(ddl(calls)).to.deep.equal(['CREATE DATABASE `shop`'])
    const [load] = loads(calls)
    expect(load!.cmd).to.deep.equal(['/usr/bin/mariadb', '--default-character-set=utf8mb4', '--user=shopuser', '--database=shop'])
    expect(load!.container).to.equal('c1')
    expect(await load!.input).to.equal(DUMP)
    for (const call of calls.filter((c) => c.cmd[0] !== 'sh')) expect(call.options?.env).to.deep.equal({MYSQL_PWD: PASSWORD})
    expect(JSON.stringify(calls.map((c) => c.cmd))).not.to.contain(PASSWORD)
  })

  it('checks the target by name as a hex literal (no quoting of a value), as bytes', async function () {
    const {ctx, calls} = server('')
    await scheme.restore!(ctx, shop, artifact(), options({to: "it's;db"}))
    const [query] = statements(calls)
    expect(query).to.contain(`CAST(s.SCHEMA_NAME AS BINARY) = X'${Buffer.from("it's;db").toString('hex')}'`)
    expect(query).to.contain('information_schema.TABLES').and.to.contain('information_schema.ROUTINES')
    expect(ddl(calls)).to.deep.equal(["CREATE DATABASE `it's;db`"])
  })

  it('loads into an existing empty database without dropping it', async function () {
    const {ctx, calls} = server('utf8mb4\tutf8mb4_general_ci\t0\t0\n')
    const report = await scheme.restore!(ctx, shop, artifact(), options())
    expect(report.replaced).to.equal(false)
    expect(ddl(calls)).to.deep.equal([])
    expect(loads(calls)).to.have.length(1)
  })

  it('refuses a non-empty database without --force and changes nothing', async function () {
    const {ctx, calls} = server('utf8mb4\tutf8mb4_general_ci\t3\t1\n')
    const error = await scheme.restore!(ctx, shop, artifact(), options()).catch((e: Error) => e)
    expect((error as Error).message)
      .to.contain('database shop in p_db_1 is not empty (4 tables, views or routines)')
      .and.to.contain('nothing was changed')
      .and.to.contain('--force')
    expect(ddl(calls)).to.deep.equal([])
    expect(loads(calls)).to.deep.equal([])
  })

  it('refuses without --force in a dry run too, since the real run would', async function () {
    const {ctx} = server('utf8mb4\tutf8mb4_general_ci\t3\t0\n')
    const error = await scheme.restore!(ctx, shop, artifact(), options({dryRun: true})).catch((e: Error) => e)
    expect((error as Error).message).to.contain('--force')
  })

  it('with --force, drops and creates the database again with its own defaults, then loads', async function () {
    const {ctx, calls} = server('latin1\tlatin1_swedish_ci\t3\t0\n')
    const report = await scheme.restore!(ctx, shop, artifact(), options({force: true}))
    expect(report).to.deep.equal({destination: 'database shop', stopped: [], replaced: true})
    expect(ddl(calls)).to.deep.equal(['DROP DATABASE `shop`; CREATE DATABASE `shop` CHARACTER SET latin1 COLLATE latin1_swedish_ci'])
    expect(await loads(calls)[0]!.input).to.equal(DUMP)
    // Dropped only after everything that reads.
    const dropAt = calls.findIndex((c) => c.cmd.at(-1)!.startsWith('DROP'))
    expect(calls.slice(dropAt + 1).map((c) => c.options?.stdin !== undefined)).to.deep.equal([true])
  })

  it('ignores defaults that are not plain words when creating the database again', async function () {
    const {ctx, calls} = server('latin1; DROP\tx\t1\t0\n')
    await scheme.restore!(ctx, shop, artifact(), options({force: true}))
    expect(ddl(calls)).to.deep.equal(['DROP DATABASE `shop`; CREATE DATABASE `shop`'])
  })

  it('a dry run says what would happen and touches nothing', async function () {
    for (const [state, replaced] of [
      ['', false],
      ['utf8mb4\tutf8mb4_general_ci\t2\t0\n', true],
    ] as const) {
      const {ctx, calls} = server(state)
      const report = await scheme.restore!(ctx, shop, artifact(), options({dryRun: true, force: true, to: 'other'}))
      expect(report).to.deep.equal({destination: 'database other', stopped: [], replaced})
      expect(ddl(calls)).to.deep.equal([])
      expect(loads(calls)).to.deep.equal([])
    }
  })

  it('restores into another database with --to', async function () {
    const {ctx, calls} = server('')
    const report = await scheme.restore!(ctx, shop, artifact(), options({to: 'shop_copy'}))
    expect(report.destination).to.equal('database shop_copy')
    expect(ddl(calls)).to.deep.equal(['CREATE DATABASE `shop_copy`'])
    expect(loads(calls)[0]!.cmd.at(-1)).to.equal('--database=shop_copy')
    await loads(calls)[0]!.input
  })

  for (const [what, name] of [
    ['a backtick', 'a`b'],
    ['a NUL', 'a\0b'],
    ['nothing', ''],
  ]) {
    it(`refuses a database name with ${what} before running anything`, async function () {
      const {ctx, calls} = server('')
      const error = await scheme.restore!(ctx, shop, artifact(), options({to: name, force: true})).catch((e: Error) => e)
      expect(error).to.be.instanceOf(Error)
      expect(calls).to.deep.equal([])
    })
  }

  it('refuses a dump without its trailer before changing anything, even with --force', async function () {
    const {ctx, calls} = server('utf8mb4\tutf8mb4_general_ci\t3\t0\n')
    const error = await scheme.restore!(ctx, shop, artifact(DUMP.split('-- Dump completed')[0]), options({force: true})).catch((e: Error) => e)
    expect((error as Error).message).to.contain('shop.sql.gz (version 2) is not a complete dump: it does not end with the "-- Dump completed" trailer')
    expect(ddl(calls)).to.deep.equal([])
    expect(loads(calls)).to.deep.equal([])
  })

  it("fails with the client's message when it exits non-zero", async function () {
    const stderr = "ERROR 1064 (42000) at line 2: You have an error in your SQL syntax; check the manual near 'INSERT' at line 1\n"
    const {ctx} = server('', {stderr, exitCode: 1})
    const error = await scheme.restore!(ctx, shop, artifact(), options()).catch((e: Error) => e)
    expect((error as Error).message)
      .to.contain('mariadb failed (exit code 1) restoring database shop in p_db_1')
      .and.to.contain('ERROR 1064 (42000) at line 2')
      .and.to.contain('partly restored')
  })

  it('fails with the server message when a statement before the load fails', async function () {
    const denied = "ERROR 1044 (42000) at line 1: Access denied for user 'shopuser'@'%' to database 'other'\n"
    const {ctx, calls} = server('', {}, (cmd) => (cmd.at(-1)!.startsWith('CREATE') ? {stderr: denied, exitCode: 1} : undefined))
    const error = await scheme.restore!(ctx, shop, artifact(), options({to: 'other'})).catch((e: Error) => e)
    expect((error as Error).message).to.equal(`creating database other in p_db_1 failed: mariadb exited with 1: ${denied.trim()}`)
    expect(loads(calls)).to.deep.equal([])
  })

  it('stops feeding the client when backupbot is interrupted, and says the database may be partly restored', async function () {
    const {ctx, abort} = server('')
    const endless = new PassThrough()
    endless.write('INSERT INTO t VALUES (1);\n')
    // The trailer check reads a complete dump; the load then gets the stream that never ends.
    let opened = 0
    const slow = artifact()
    const complete = slow.content
    slow.content = () => (opened++ === 0 ? complete() : endless)
    const done = scheme.restore!(ctx, shop, slow, options()).catch((e: Error) => e)
    setTimeout(() => abort(new Error('interrupted')), 20)
    const error = await done
    expect((error as Error).message).to.equal('restoring database shop in p_db_1 was interrupted; it may be partly restored')
    expect(endless.destroyed).to.equal(true)
  })

  it('uses mysql when the image has no mariadb client', async function () {
    const {ctx, calls} = server('', {}, (cmd) => (cmd[0] === 'sh' ? {stdout: '/usr/bin/mysql\n'} : undefined))
    await scheme.restore!(ctx, shop, artifact(), options())
    expect(calls[0]!.cmd).to.deep.equal(['sh', '-c', 'command -v mariadb || command -v mysql'])
    expect(loads(calls)[0]!.cmd[0]).to.equal('/usr/bin/mysql')
    await loads(calls)[0]!.input
  })

  it('fails clearly when the image has no client', async function () {
    const {ctx} = server('', {}, () => ({exitCode: 1}))
    const error = await scheme.restore!(ctx, shop, artifact(), options()).catch((e: Error) => e)
    expect((error as Error).message).to.contain('neither mariadb nor mysql was found in the container')
  })

  it('fails clearly when the service has no running container, without running anything', async function () {
    const {ctx, calls} = runContext(() => ({}), [{id: 'c1', name: 'p_db_1', running: false}])
    const error = await scheme.restore!(ctx, shop, artifact(), options()).catch((e: Error) => e)
    expect((error as Error).message).to.contain('service db has no running container').and.to.contain("backup_mysql works through the service's running container")
    expect(calls).to.deep.equal([])
  })

  describe('an all-databases dump', function () {
    const userObjects = (count: string) => (cmd: string[]) => (cmd.at(-1)!.includes("NOT IN ('mysql'") ? {stdout: count} : undefined)

    it('is fed as is to the client, without a database, when no user tables exist', async function () {
      const {ctx, calls} = server('', {}, userObjects('0\n'))
      const report = await scheme.restore!(ctx, all, artifact(), options())
      expect(report).to.deep.equal({destination: 'all databases', stopped: [], replaced: false})
      expect(ddl(calls)).to.deep.equal([])
      expect(loads(calls)[0]!.cmd).to.deep.equal(['/usr/bin/mariadb', '--default-character-set=utf8mb4', '--user=root'])
      expect(await loads(calls)[0]!.input).to.equal(DUMP)
    })

    it('needs --force when databases hold tables, and then drops nothing itself', async function () {
      const {ctx, calls} = server('', {}, userObjects('7\n'))
      const error = await scheme.restore!(ctx, all, artifact(), options()).catch((e: Error) => e)
      expect((error as Error).message).to.contain('holds 7 tables, views or routines outside its system databases').and.to.contain('--force')
      expect(loads(calls)).to.deep.equal([])

      const forced = server('', {}, userObjects('7\n'))
      expect(await scheme.restore!(forced.ctx, all, artifact(), options({force: true}))).to.deep.equal({destination: 'all databases', stopped: [], replaced: true})
      expect(ddl(forced.calls)).to.deep.equal([])
      await loads(forced.calls)[0]!.input
    })
  })
})
