import {expect} from 'chai'
import {PassThrough, Readable} from 'node:stream'

import type {ContainerRef, RestoreOptions, StoredArtifact} from 'backupbot'
import {type ExecCall, type FakeExec, fakeArtifact, fakeRunContext} from 'backupbot/testing'

import {postgresScheme as scheme} from '../src/index.js'
import {USER_OBJECTS_QUERY} from '../src/sql.js'
import {all, custom, DUMP, PASSWORD, shop} from './fixtures.js'

const CLUSTER = `--\n-- PostgreSQL database cluster dump\n--\n\nCREATE ROLE shopadmin;\n${DUMP}--\n-- PostgreSQL database cluster dump complete\n--\n\n`
const ARCHIVE = Buffer.concat([Buffer.from('PGDMP'), Buffer.from([1, 14, 0, 4, 8, 1, 1, 0xff, 0x00, 0x9c, 0xc3, 0x28])])

/** A stored version (the second newest): plain SQL, read in many small chunks as a large dump arrives, or a custom archive. */
function artifact(dump: string | Buffer = DUMP, file = typeof dump === 'string' ? 'shop.sql.gz' : 'shop.dump'): StoredArtifact {
  return fakeArtifact(dump, {file: `/b/db/postgres/shop/shop.2/${file}`, number: 2, manifest: {scheme: 'backup_postgres', item: 'shop'}})
}

const options = (o: Partial<RestoreOptions> = {}): RestoreOptions => ({force: false, dryRun: false, devices: false, ...o})

const PROPS = {owner: 'shopadmin', encoding: 'UTF8', collate: 'C', ctype: 'C.UTF-8', template: false, connect: true}

interface State {
  version?: number
  /** The target database's properties; undefined: it does not exist. */
  database?: Partial<typeof PROPS>
  /** User objects in it. */
  objects?: number
  /** For all-databases: the other databases, and objects in `postgres`. */
  cluster?: {databases: Array<{name: string; template: boolean}>; objects: number}
}

const isScript = (cmd: string[]) => cmd[0] === 'psql' && cmd.includes('-t')
const isPreread = (cmd: string[]) => cmd.includes('--file=/dev/null')

/**
 * A server in `state`: the psql scripts are answered by their text, `load` answers the restore
 * itself, `extra` any command first (`script`: how many psql scripts ran before this one).
 */
function server(state: State, load: FakeExec = {}, extra: (cmd: string[], script?: number) => FakeExec | undefined = () => undefined, containers?: ContainerRef[]) {
  const version = String(state.version ?? 150020)
  let scripts = 0
  /** The answer to a script, once psql has read it from its standard input. */
  async function* answer(script: Promise<string>) {
    const input = await script
    if (input.includes("'databases'")) {
      const {databases, objects} = state.cluster ?? {databases: [], objects: 0}
      yield `${JSON.stringify({version, databases: databases.length > 0 ? databases : null, objects, database: {...PROPS, owner: 'postgres'}})}\n`
    } else if (input.includes("d.datname = :'name'")) {
      yield `${JSON.stringify({version, database: state.database ? {...PROPS, ...state.database} : null})}\n`
    } else if (input === USER_OBJECTS_QUERY) {
      yield `${state.objects ?? 0}\n`
    }
  }
  const run = fakeRunContext({
    scheme: 'backup_postgres',
    containers,
    exec(cmd) {
      const custom = extra(cmd, isScript(cmd) ? scripts : undefined)
      if (isScript(cmd)) scripts++
      if (custom) return custom
      // The fake engine records the call, with its input, before it asks for the answer.
      if (isScript(cmd)) return {stdout: Readable.from(answer(run.calls.at(-1)!.input!))}
      if (isPreread(cmd)) return {}
      return load
    },
  })
  return run
}

const text = async (call: ExecCall) => (await call.input)!
const scripts = (calls: ExecCall[]) => calls.filter((c) => isScript(c.cmd))
/** The scripts that change something (not the lookups), as sent to psql. */
async function ddl(calls: ExecCall[]): Promise<string[]> {
  const texts = await Promise.all(scripts(calls).map(text))
  return texts.filter((t) => !t.startsWith('SELECT pg_catalog.json_build_object') && t !== USER_OBJECTS_QUERY)
}
const loads = (calls: ExecCall[]) => calls.filter((c) => !isScript(c.cmd) && !isPreread(c.cmd))
/** The `-v name=value` of a command. */
function variables(cmd: string[]): Record<string, string> {
  const found: Record<string, string> = {}
  cmd.forEach((arg, i) => {
    if (arg !== '-v') return
    const [name, ...value] = cmd[i + 1]!.split('=')
    found[name!] = value.join('=')
  })
  return found
}
const dbname = (cmd: string[]) => cmd.find((a) => a.startsWith('--dbname='))

describe('restoring with backup_postgres (fake engine)', function () {
  it('creates a missing database from template0 and feeds the dump to psql in one transaction, the password only in PGPASSWORD', async function () {
    const {ctx, calls} = server({})
    const report = await scheme.restore!(ctx, shop, artifact(), options())
    expect(report).to.deep.equal({destination: 'database shop', stopped: [], replaced: false})
    expect(await ddl(calls)).to.deep.equal(['CREATE DATABASE :"name" TEMPLATE template0;\n'])
    const [load] = loads(calls)
    expect(load!.cmd).to.deep.equal(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '--username=shopadmin', '--no-password', '--dbname=shop'])
    expect(load!.container).to.equal('c1')
    expect(await text(load!)).to.equal(DUMP)
    for (const call of calls) expect(call.options?.env).to.deep.equal({PGPASSWORD: PASSWORD})
    expect(JSON.stringify(calls.map((c) => c.cmd))).not.to.contain(PASSWORD)
  })

  it('checks first with psql -X -A -t and ON_ERROR_STOP, in the maintenance database, the name only as a psql variable', async function () {
    const name = `it's "a"; DROP DATABASE x; --`
    const {ctx, calls} = server({})
    await scheme.restore!(ctx, shop, artifact(), options({to: name}))
    const [lookup, create] = scripts(calls)
    expect(lookup!.cmd.slice(0, 7)).to.deep.equal(['psql', '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1'])
    expect(dbname(lookup!.cmd)).to.equal('--dbname=postgres')
    expect(variables(lookup!.cmd)).to.deep.equal({ON_ERROR_STOP: '1', name})
    expect(await text(lookup!)).to.contain("d.datname = :'name'").and.not.to.contain('DROP')
    expect(variables(create!.cmd)).to.deep.equal({ON_ERROR_STOP: '1', name})
    expect(await text(create!)).not.to.contain("it's")
    expect(dbname(loads(calls)[0]!.cmd)).to.equal(`--dbname=${name}`)
  })

  it('counts the user objects in the database itself and loads into it when it holds none, without dropping it', async function () {
    const {ctx, calls} = server({database: {}, objects: 0})
    const report = await scheme.restore!(ctx, shop, artifact(), options())
    expect(report.replaced).to.equal(false)
    const count = scripts(calls)[1]!
    expect(dbname(count.cmd)).to.equal('--dbname=shop')
    expect(await text(count)).to.equal(USER_OBJECTS_QUERY)
    expect(USER_OBJECTS_QUERY).to.contain('pg_class').and.to.contain('pg_proc').and.to.contain("NOT IN ('pg_catalog', 'information_schema')")
    expect(await ddl(calls)).to.deep.equal([])
    expect(loads(calls)).to.have.length(1)
  })

  it('refuses a non-empty database without --force and changes nothing', async function () {
    const {ctx, calls} = server({database: {}, objects: 4})
    const error = await scheme.restore!(ctx, shop, artifact(), options()).catch((e: Error) => e)
    expect((error as Error).message)
      .to.contain('database shop in p_db_1 is not empty (4 tables, views, sequences or functions)')
      .and.to.contain('nothing was changed')
      .and.to.contain('--force')
    expect(await ddl(calls)).to.deep.equal([])
    expect(loads(calls)).to.deep.equal([])
  })

  it('refuses without --force in a dry run too, since the real run would', async function () {
    const {ctx} = server({database: {}, objects: 1})
    const error = await scheme.restore!(ctx, shop, artifact(), options({dryRun: true})).catch((e: Error) => e)
    expect((error as Error).message).to.contain('--force')
  })

  it('with --force, drops it WITH (FORCE) and creates it again as it was (owner, encoding, locale), then loads', async function () {
    const {ctx, calls} = server({database: {owner: 'app owner', encoding: 'LATIN1', collate: 'de_DE', ctype: 'de_DE'}, objects: 3})
    const report = await scheme.restore!(ctx, shop, artifact(), options({force: true}))
    expect(report).to.deep.equal({destination: 'database shop', stopped: [], replaced: true})
    expect(await ddl(calls)).to.deep.equal([
      'DROP DATABASE :"name" WITH (FORCE);\n',
      `CREATE DATABASE :"name" TEMPLATE template0 OWNER :"owner" ENCODING :'encoding' LC_COLLATE :'collate' LC_CTYPE :'ctype';\n`,
    ])
    const [, , drop, create] = scripts(calls)
    expect(dbname(drop!.cmd)).to.equal('--dbname=postgres')
    expect(variables(create!.cmd)).to.deep.equal({ON_ERROR_STOP: '1', name: 'shop', owner: 'app owner', encoding: 'LATIN1', collate: 'de_DE', ctype: 'de_DE'})
    expect(await text(loads(calls)[0]!)).to.equal(DUMP)
    // Dropped only after everything that reads.
    const dropAt = calls.indexOf(drop!)
    expect(calls.slice(dropAt + 1).map((c) => (isScript(c.cmd) ? 'script' : 'load'))).to.deep.equal(['script', 'load'])
  })

  it('before PostgreSQL 13, ends the other sessions first, then drops', async function () {
    const {ctx, calls} = server({version: 120017, database: {}, objects: 3})
    await scheme.restore!(ctx, shop, artifact(), options({force: true}))
    const [drop] = await ddl(calls)
    expect(drop).to.contain("pg_terminate_backend(a.pid)) FROM pg_catalog.pg_stat_activity AS a WHERE a.datname = :'name' AND a.pid <> pg_catalog.pg_backend_pid()")
    expect(drop).to.contain('DROP DATABASE :"name";').and.not.to.contain('FORCE')
  })

  it('connects to template1 to replace the database named postgres', async function () {
    const {ctx, calls} = server({database: {}, objects: 2})
    await scheme.restore!(ctx, shop, artifact(), options({force: true, to: 'postgres'}))
    const [lookup, count, drop, create] = scripts(calls)
    expect([lookup, drop, create].map((c) => dbname(c!.cmd))).to.deep.equal(['--dbname=template1', '--dbname=template1', '--dbname=template1'])
    expect(dbname(count!.cmd)).to.equal('--dbname=postgres')
  })

  it('a dry run says what would happen and touches nothing', async function () {
    for (const [state, replaced] of [
      [{}, false],
      [{database: {}, objects: 2}, true],
    ] as const) {
      const {ctx, calls} = server(state)
      const report = await scheme.restore!(ctx, shop, artifact(), options({dryRun: true, force: true, to: 'other'}))
      expect(report).to.deep.equal({destination: 'database other', stopped: [], replaced})
      expect(await ddl(calls)).to.deep.equal([])
      expect(loads(calls)).to.deep.equal([])
    }
  })

  it('restores into another database with --to', async function () {
    const {ctx, calls} = server({})
    const report = await scheme.restore!(ctx, shop, artifact(), options({to: 'shop_copy'}))
    expect(report.destination).to.equal('database shop_copy')
    expect(variables(scripts(calls)[1]!.cmd).name).to.equal('shop_copy')
    expect(dbname(loads(calls)[0]!.cmd)).to.equal('--dbname=shop_copy')
  })

  it('refuses a template database, or one that takes no connections', async function () {
    for (const database of [{template: true}, {connect: false}]) {
      const {ctx, calls} = server({database})
      const error = await scheme.restore!(ctx, shop, artifact(), options({force: true, to: 'template1'})).catch((e: Error) => e)
      expect((error as Error).message).to.contain('database template1 in p_db_1 is a template database or takes no connections; nothing was changed')
      expect(scripts(calls)).to.have.length(1)
    }
  })

  for (const [what, name, message] of [
    ['nothing', '', 'the database name is empty'],
    ['a "="', 'host=evil dbname=x', 'cannot contain "="'],
    ['a URI', 'postgresql://evil/x', 'postgres:// URI'],
    ['a NUL', 'a\0b', 'cannot contain NUL'],
    ['64 bytes', 'ä'.repeat(32), 'at most 63 bytes'],
  ]) {
    it(`refuses a database name with ${what} before running anything`, async function () {
      const {ctx, calls} = server({})
      const error = await scheme.restore!(ctx, shop, artifact(), options({to: name, force: true})).catch((e: Error) => e)
      expect((error as Error).message).to.contain(message)
      expect(calls).to.deep.equal([])
    })
  }

  it('refuses a dump without its trailer before changing anything, even with --force', async function () {
    const {ctx, calls} = server({database: {}, objects: 3})
    const cut = DUMP.split('-- PostgreSQL database dump complete')[0]!
    const error = await scheme.restore!(ctx, shop, artifact(cut), options({force: true})).catch((e: Error) => e)
    expect((error as Error).message).to.equal(
      'shop.sql.gz (version 2) is not a complete dump: it does not end with the "-- PostgreSQL database dump complete" trailer, so it was cut short',
    )
    expect(await ddl(calls)).to.deep.equal([])
    expect(loads(calls)).to.deep.equal([])
  })

  it("fails with psql's error when the load fails, and says the database may be partly restored", async function () {
    const stderr = 'psql:<stdin>:12: ERROR:  role "shopowner" does not exist\n'
    const {ctx} = server({}, {stderr, exitCode: 3})
    const error = await scheme.restore!(ctx, shop, artifact(), options()).catch((e: Error) => e)
    expect((error as Error).message)
      .to.contain('psql failed (exit code 3) restoring database shop in p_db_1: psql:<stdin>:12: ERROR:  role "shopowner" does not exist')
      .and.to.contain('rolled back')
      .and.to.contain('partly restored')
  })

  it('logs the messages of a successful load as warnings', async function () {
    const {ctx, log} = server({}, {stderr: 'WARNING:  no privileges were granted for "public"\n'})
    await scheme.restore!(ctx, shop, artifact(), options())
    expect(log.lines).to.include('warn: psql: WARNING:  no privileges were granted for "public"')
  })

  it('fails with the server message when the lookup fails, before changing anything', async function () {
    const denied = 'psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  role "shopadmin" does not exist\n'
    const {ctx, calls} = server({}, {}, (cmd) => (isScript(cmd) ? {stderr: denied, exitCode: 2} : undefined))
    const error = await scheme.restore!(ctx, shop, artifact(), options()).catch((e: Error) => e)
    expect((error as Error).message).to.equal(`looking up database shop in p_db_1 failed: psql exited with 2: ${denied.trim()}`)
    expect(calls).to.have.length(1)
  })

  // The scripts of a replacement: the lookup (0), the count (1), the drop (2), the creation (3).
  it('says nothing was changed when the drop fails, and creates and loads nothing', async function () {
    const busy = 'ERROR:  must be owner of database shop\n'
    const {ctx, calls} = server({database: {}, objects: 3}, {}, (_cmd, script) => (script === 2 ? {stderr: busy, exitCode: 3} : undefined))
    const error = await scheme.restore!(ctx, shop, artifact(), options({force: true})).catch((e: Error) => e)
    expect((error as Error).message).to.equal('dropping database shop in p_db_1 failed: psql exited with 3: ERROR:  must be owner of database shop; it was not changed')
    expect((await ddl(calls)).length).to.equal(1)
    expect(loads(calls)).to.deep.equal([])
  })

  it('says the database is missing when it was dropped but cannot be created again', async function () {
    const invalid = {stderr: 'ERROR:  invalid locale name: "de_DE"\n', exitCode: 3}
    const {ctx, calls} = server({database: {}, objects: 3}, {}, (_cmd, script) => (script === 3 ? invalid : undefined))
    const error = await scheme.restore!(ctx, shop, artifact(), options({force: true})).catch((e: Error) => e)
    expect((error as Error).message).to.contain('creating database shop again in p_db_1 failed').and.to.contain('database shop was dropped and is now missing')
    expect(loads(calls)).to.deep.equal([])
  })

  it('stops feeding psql when backupbot is interrupted, and says the database may be partly restored', async function () {
    const {ctx, abort} = server({})
    const endless = new PassThrough()
    endless.write('INSERT INTO t VALUES (1);\n')
    // The trailer check reads the complete dump (edges()); the load gets a stream that never ends.
    const slow: StoredArtifact = {...artifact(), content: () => endless}
    const done = scheme.restore!(ctx, shop, slow, options()).catch((e: Error) => e)
    setTimeout(() => abort(new Error('interrupted')), 20)
    const error = await done
    expect((error as Error).message).to.equal('restoring database shop in p_db_1 was interrupted; it may be partly restored')
    expect(endless.destroyed).to.equal(true)
  })

  it('fails clearly when the service has no running container, without running anything', async function () {
    const {ctx, calls} = server({}, {}, undefined, [{id: 'c1', name: 'p_db_1', running: false}])
    const error = await scheme.restore!(ctx, shop, artifact(), options()).catch((e: Error) => e)
    expect((error as Error).message).to.contain('service db has no running container: backup_postgres')
    expect(calls).to.deep.equal([])
  })

  it('connects as the dump did: the --host/--port of extra_args, none of the other arguments', async function () {
    const tcp = {...shop, data: {...shop.data, extraArgs: ['--no-owner', '--host=127.0.0.1', '-p5433', '--exclude-table=x']}}
    const {ctx, calls} = server({})
    await scheme.restore!(ctx, tcp, artifact(), options())
    for (const call of calls) {
      expect(call.cmd).to.include('--host=127.0.0.1').and.to.include('--port=5433')
      expect(call.cmd).not.to.include('--no-owner')
      expect(call.cmd.join(' ')).not.to.contain('exclude')
    }
  })

  describe('a custom archive', function () {
    it('is read through by pg_restore without a connection first, then restored with pg_restore in one transaction', async function () {
      const {ctx, calls} = server({database: {}, objects: 2})
      const report = await scheme.restore!(ctx, custom, artifact(ARCHIVE), options({force: true}))
      expect(report).to.deep.equal({destination: 'database shop', stopped: [], replaced: true})
      const preread = calls.find((c) => isPreread(c.cmd))!
      expect(preread.cmd).to.deep.equal(['pg_restore', '--file=/dev/null'])
      // The fake engine hands the input over as UTF-8 text.
      expect(await preread.input).to.equal(ARCHIVE.toString('utf8'))
      // Read through before anything is dropped.
      const order = await Promise.all(calls.map(async (c) => (isPreread(c.cmd) ? 'preread' : isScript(c.cmd) ? (await text(c)).split(' ')[0] : c.cmd[0])))
      expect(order).to.deep.equal(['SELECT', 'SELECT', 'preread', 'DROP', 'CREATE', 'pg_restore'])
      const [load] = loads(calls)
      expect(load!.cmd).to.deep.equal(['pg_restore', '--username=shopadmin', '--no-password', '--exit-on-error', '--single-transaction', '--dbname=shop'])
      expect(await load!.input).to.equal(ARCHIVE.toString('utf8'))
      expect(load!.options?.env).to.deep.equal({PGPASSWORD: PASSWORD})
    })

    it('is refused before changing anything when pg_restore cannot read it to its end', async function () {
      const eof = 'pg_restore: error: could not read from input file: end of file\n'
      const {ctx, calls} = server({database: {}, objects: 2}, {}, (cmd) => (isPreread(cmd) ? {stderr: eof, exitCode: 1} : undefined))
      const error = await scheme.restore!(ctx, custom, artifact(ARCHIVE), options({force: true})).catch((e: Error) => e)
      expect((error as Error).message).to.equal(
        'pg_restore in p_db_1 cannot read shop.dump (version 2) to its end (exit code 1): pg_restore: error: could not read from input file: end of file; the archive is damaged or incomplete, nothing was changed',
      )
      expect(await ddl(calls)).to.deep.equal([])
      expect(loads(calls)).to.deep.equal([])
    })

    it('says so when the image has no pg_restore', async function () {
      const stdout = 'OCI runtime exec failed: exec failed: unable to start container process: exec: "pg_restore": executable file not found in $PATH: unknown\r\n'
      const {ctx, calls} = server({}, {}, (cmd) => (isPreread(cmd) ? {stdout, exitCode: 127} : undefined))
      const error = await scheme.restore!(ctx, custom, artifact(ARCHIVE), options()).catch((e: Error) => e)
      expect((error as Error).message).to.contain('pg_restore cannot be run in p_db_1 (exit code 127)').and.to.contain('executable file not found')
      expect(await ddl(calls)).to.deep.equal([])
    })

    it('is refused when it does not start with PGDMP', async function () {
      const {ctx, calls} = server({})
      const error = await scheme.restore!(ctx, custom, artifact(Buffer.from(DUMP), 'shop.dump'), options()).catch((e: Error) => e)
      expect((error as Error).message).to.contain('shop.dump (version 2) is not a complete dump: it is not a pg_dump custom archive')
      expect(loads(calls)).to.deep.equal([])
    })

    it("fails with pg_restore's error when the restore fails", async function () {
      const stderr = 'pg_restore: error: could not execute query: ERROR:  role "shopowner" does not exist\nCommand was: ALTER TABLE public.t OWNER TO shopowner;\n'
      const {ctx} = server({}, {stderr, exitCode: 1})
      const error = await scheme.restore!(ctx, custom, artifact(ARCHIVE), options()).catch((e: Error) => e)
      expect((error as Error).message)
        .to.contain('pg_restore failed (exit code 1) restoring database shop in p_db_1: pg_restore: error: could not execute query: ERROR:  role "shopowner" does not exist')
        .and.to.contain('partly restored')
    })

    it("goes by the stored version's file, whatever the format configured now", async function () {
      const {ctx, calls} = server({})
      await scheme.restore!(ctx, shop, artifact(ARCHIVE), options())
      expect(loads(calls)[0]!.cmd[0]).to.equal('pg_restore')
      const plain = server({})
      await scheme.restore!(plain.ctx, custom, artifact(), options())
      expect(loads(plain.calls)[0]!.cmd[0]).to.equal('psql')
    })
  })

  describe('an all-databases dump', function () {
    it('is fed as is to psql in database postgres, without ON_ERROR_STOP; a role that exists already is no failure', async function () {
      const {ctx, calls, log} = server({}, {stderr: 'ERROR:  role "shopadmin" already exists\n'})
      const report = await scheme.restore!(ctx, all, artifact(CLUSTER), options())
      expect(report).to.deep.equal({destination: 'all databases', stopped: [], replaced: false})
      expect(await ddl(calls)).to.deep.equal([])
      const [lookup] = scripts(calls)
      expect(dbname(lookup!.cmd)).to.equal('--dbname=postgres')
      const [load] = loads(calls)
      expect(load!.cmd).to.deep.equal(['psql', '-X', '-q', '--username=shopadmin', '--no-password', '--dbname=postgres'])
      expect(await text(load!)).to.equal(CLUSTER)
      expect(log.lines.join('\n')).to.contain('1 role(s) of the dump existed already')
    })

    it('fails on any other error of the script, saying the server may be partly restored', async function () {
      const stderr = 'ERROR:  role "shopadmin" already exists\nERROR:  database "shop" already exists\nERROR:  relation "t" already exists\n'
      const {ctx} = server({}, {stderr})
      const error = await scheme.restore!(ctx, all, artifact(CLUSTER), options()).catch((e: Error) => e)
      expect((error as Error).message).to.equal(
        '2 statements of the dump failed restoring all databases in p_db_1: ERROR:  database "shop" already exists | ERROR:  relation "t" already exists; the server may be partly restored',
      )
    })

    it('needs --force when the server holds databases; then drops every one from template1 before the load', async function () {
      const cluster = {databases: [{name: 'shop', template: false}, {name: 'old tpl', template: true}], objects: 0}
      const {ctx, calls} = server({cluster})
      const error = await scheme.restore!(ctx, all, artifact(CLUSTER), options()).catch((e: Error) => e)
      expect((error as Error).message).to.contain('the server in p_db_1 holds databases "shop", "old tpl"; nothing was changed').and.to.contain('--force')
      expect(loads(calls)).to.deep.equal([])

      const forced = server({cluster})
      expect(await scheme.restore!(forced.ctx, all, artifact(CLUSTER), options({force: true}))).to.deep.equal({destination: 'all databases', stopped: [], replaced: true})
      const [drop] = await ddl(forced.calls)
      expect(drop).to.equal('DROP DATABASE :"db0" WITH (FORCE);\nALTER DATABASE :"db1" IS_TEMPLATE false;\nDROP DATABASE :"db1" WITH (FORCE);\n')
      const dropCall = scripts(forced.calls)[1]!
      expect(dbname(dropCall.cmd)).to.equal('--dbname=template1')
      expect(variables(dropCall.cmd)).to.include({db0: 'shop', db1: 'old tpl'})
      expect(loads(forced.calls)).to.have.length(1)
    })

    it('with --force, creates database postgres again when it holds objects', async function () {
      const {ctx, calls} = server({cluster: {databases: [], objects: 5}})
      const error = await scheme.restore!(ctx, all, artifact(CLUSTER), options()).catch((e: Error) => e)
      expect((error as Error).message).to.contain('holds 5 tables, views, sequences or functions in database postgres')
      expect(calls).to.have.length(1)

      const forced = server({cluster: {databases: [], objects: 5}})
      await scheme.restore!(forced.ctx, all, artifact(CLUSTER), options({force: true}))
      expect(await ddl(forced.calls)).to.deep.equal([
        `DROP DATABASE :"pg" WITH (FORCE);\nCREATE DATABASE :"pg" TEMPLATE template0 OWNER :"owner" ENCODING :'encoding' LC_COLLATE :'collate' LC_CTYPE :'ctype';\n`,
      ])
      expect(variables(scripts(forced.calls)[1]!.cmd)).to.include({pg: 'postgres', owner: 'postgres'})
    })

    it('a dry run touches nothing', async function () {
      const {ctx, calls} = server({cluster: {databases: [{name: 'shop', template: false}], objects: 0}})
      expect(await scheme.restore!(ctx, all, artifact(CLUSTER), options({force: true, dryRun: true}))).to.deep.equal({destination: 'all databases', stopped: [], replaced: true})
      expect(await ddl(calls)).to.deep.equal([])
      expect(loads(calls)).to.deep.equal([])
    })

    it('needs the cluster trailer, not only the last database\'s', async function () {
      const {ctx, calls} = server({})
      const cut = CLUSTER.split('\n--\n-- PostgreSQL database cluster dump complete')[0]!
      const error = await scheme.restore!(ctx, all, artifact(cut), options()).catch((e: Error) => e)
      expect((error as Error).message).to.contain('"-- PostgreSQL database cluster dump complete" trailer')
      expect(loads(calls)).to.deep.equal([])
    })
  })
})
