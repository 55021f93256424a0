// backup_postgres restore and verify against a real PostgreSQL server in a real compose project,
// through the real CLI, with the plugin packed (`npm pack`) and installed with
// `backupbot plugins:install file:...` into an isolated BACKUPBOT_DATA_DIR first, as a user
// would. A dump goes back into the running service (no downtime) with identical rows, an older
// version brings back the older rows, --to fills another database and leaves the original alone,
// a database that holds data is only replaced with --force, custom archives go back through
// pg_restore, the whole cluster through psql, and `verify` catches a dump cut short even when its
// checksum matches.
//
// The test image trusts socket connections, like the official one, so the password is only
// checked over TCP: the tests that need it pass `extra_args: ["--host=127.0.0.1"]`.
import {expect} from 'chai'
import {createHash} from 'node:crypto'
import {cp, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {gunzipSync, gzipSync} from 'node:zlib'

import {REPO_ROOT, runCli} from './helpers/cli.js'
import {type ComposeProject, cleanupTestResources, startComposeProject, waitUntil} from './helpers/compose.js'
import {docker, requireEngine, requireImages, TEST_IMAGES} from './helpers/engine.js'
import {installPackedPlugin, isolatedBackupbot} from './helpers/plugin-install.js'

const fixture = fileURLToPath(new URL('../fixtures/postgres-project', import.meta.url))
const PLUGIN_DIR = path.join(REPO_ROOT, 'plugins', 'postgres')

// As in the fixture's compose.yaml: distinctive, so any leak is found by a plain substring search.
const PASSWORD = 'Pg-Secr3t-4vR8mZq2'
const ADMIN = 'shopadmin'

const SCHEMA = String.raw`
CREATE TABLE customers (
  id integer PRIMARY KEY,
  name text NOT NULL,
  note text,
  balance numeric(10,2),
  seen timestamptz,
  tags text[],
  meta jsonb
);
INSERT INTO customers VALUES
  (1, 'Zoë Ångström', 'Grüße aus Köln, 日本語, emoji 🎉', 12.50, '2024-01-02 03:04:05+00', '{a,b}', '{"k": "v"}'),
  (2, 'O''Brien', NULL, NULL, NULL, NULL, NULL),
  (3, E'back\\slash "quotes"', E'line one\nline two\ttab', -0.01, '1999-12-31 23:59:59+00', '{}', '[]'),
  (4, '', '', 0.00, NULL, '{NULL}', 'null');
CREATE TABLE audit (id serial PRIMARY KEY, customer integer REFERENCES customers (id), at timestamptz DEFAULT now());
CREATE FUNCTION audit_insert() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO audit (customer) VALUES (NEW.id); RETURN NEW; END$$;
CREATE TRIGGER customers_audit AFTER INSERT ON customers FOR EACH ROW EXECUTE FUNCTION audit_insert();
CREATE FUNCTION customer_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM customers';
CREATE VIEW named AS SELECT id, name FROM customers WHERE name <> '';
INSERT INTO customers (id, name) VALUES (5, 'after the trigger');
`

/** Rows, sequence, trigger, function and every relation: what a restore must bring back identically. */
const SNAPSHOT = `
SELECT id, name, note, balance, seen, tags, meta FROM customers ORDER BY id;
SELECT id, customer FROM audit ORDER BY id;
SELECT last_value FROM audit_id_seq;
SELECT customer_count();
SELECT count(*) FROM named;
SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1;
SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1;
`

/** psql arguments for plain, comparable output (unaligned, no headers, NULL spelled out). */
const psql = (database: string) => ['psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-P', 'null=<NULL>', '-U', ADMIN, '-d', database]

const PLAIN = {type: 'backup_postgres', database: 'db.environment.POSTGRES_DB', user: 'db.environment.POSTGRES_USER', password: 'db.environment.POSTGRES_PASSWORD'}
const CONFIGS = {
  plain: {db: [PLAIN]},
  // Over TCP, where the password is checked: the restore connects the same way.
  tcp: {db: [{...PLAIN, extra_args: ['--host=127.0.0.1']}]},
  wrongPassword: {db: [{...PLAIN, password: 'Wr0ng-Pa55-q8Lz3', extra_args: ['--host=127.0.0.1']}]},
  custom: {db: [{...PLAIN, format: 'custom'}]},
  all: {db: [{type: 'backup_postgres', databases: ['all'], user: ADMIN}]},
}
type Config = keyof typeof CONFIGS

describe('backup_postgres: restoring and verifying dumps of a running PostgreSQL service (plugin installed with plugins:install)', function () {
  let project: ComposeProject
  let work: string
  let cliEnv: Record<string, string>
  /** Plain versions: .2 = rows before, .1 = rows after one more insert. */
  let target: string
  let rowsBefore: string
  let rowsAfter: string
  const configs: Partial<Record<Config, string>> = {}

  async function cli(args: string[]) {
    const result = await runCli([...args, '--json'], {cwd: project.dir, env: cliEnv, reject: false})
    let json: any
    try {
      json = JSON.parse(result.stdout)
    } catch {
      json = {unparsable: result.stdout}
    }
    return {...result, json}
  }

  const backup = (config: Config, into = target) => cli(['backup', '--config', configs[config]!, '--target', into])
  const restore = (config: Config, extra: string[] = [], from = target) =>
    cli(['restore', 'db', config === 'all' ? 'all-databases' : 'shop', '--config', configs[config]!, '--target', from, ...extra])

  /** SQL in the service's container, over the trusted socket. */
  const sql = async (statements: string, database = 'shop') => (await project.exec('db', psql(database), {input: statements})).stdout
  const snapshot = (database = 'shop') => sql(SNAPSHOT, database)
  const databases = async () => (await sql('SELECT datname FROM pg_database ORDER BY 1', 'postgres')).split('\n')
  const startedAt = async () => {
    const info = await docker().getContainer(await project.containerId('db')).inspect()
    return [info.State.Running, info.State.StartedAt]
  }

  before(async function () {
    this.timeout(300_000)
    await requireEngine()
    await requireImages(TEST_IMAGES.postgres)
    await cleanupTestResources()
    work = await mkdtemp(path.join(os.tmpdir(), 'bb-postgres-restore-'))
    target = path.join(work, 'backups')
    cliEnv = await isolatedBackupbot(work)
    await installPackedPlugin(PLUGIN_DIR, work, cliEnv)
    for (const [name, config] of Object.entries(CONFIGS)) {
      configs[name as Config] = path.join(work, `${name}.json`)
      await writeFile(configs[name as Config]!, JSON.stringify(config))
    }
    project = await startComposeProject(fixture)
    await project.waitForExec('db', [...psql('shop'), '-c', 'SELECT 1'])
    await sql(SCHEMA)

    rowsBefore = await snapshot()
    const first = await backup('plain')
    expect(first.exitCode, first.stderr).to.equal(0)
    await sql("INSERT INTO customers VALUES (6, 'Ελληνικά', 'inserted between the backups', 99999999.99, 'infinity', NULL, '{\"nested\": {\"x\": [1, null]}}')")
    rowsAfter = await snapshot()
    const second = await backup('plain')
    expect(second.exitCode, second.stderr).to.equal(0)
    expect(rowsAfter).to.contain('Ελληνικά').and.not.to.equal(rowsBefore)
  })

  after(async function () {
    this.timeout(120_000)
    if (work) await rm(work, {recursive: true, force: true})
    await project?.down()
    await cleanupTestResources()
  })

  describe('into the original database', function () {
    it('refuses a database that holds tables without --force, and changes nothing', async function () {
      this.timeout(120_000)
      await sql('CREATE TABLE scratch (x integer); INSERT INTO scratch VALUES (42)')
      const before = await snapshot()
      const result = await restore('plain')
      expect(result.exitCode, result.stderr).to.equal(1)
      expect(result.json.ok).to.equal(false)
      expect(result.json.items[0]).to.include({service: 'db', scheme: 'backup_postgres', item: 'shop', version: 1, status: 'failed'})
      expect(result.json.items[0].error).to.contain('database shop').and.to.contain('not empty').and.to.contain('--force')
      expect(await snapshot()).to.equal(before)
      expect(result.stdout + result.stderr).not.to.contain(PASSWORD)
    })

    it('--dry-run refuses it the same without --force, and with --force says it would replace it; nothing changes', async function () {
      this.timeout(120_000)
      const before = await snapshot()
      const refused = await restore('plain', ['--dry-run'])
      expect(refused.exitCode, refused.stderr).to.equal(1)
      expect(refused.json.items[0].error).to.contain('--force')
      const result = await restore('plain', ['--dry-run', '--force'])
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.dryRun).to.equal(true)
      expect(result.json.items[0]).to.include({item: 'shop', destination: 'database shop', replaced: true, status: 'ok'})
      expect(result.json.items[0].stopped).to.deep.equal([])
      expect(await snapshot()).to.equal(before)
    })

    it('--force replaces it exactly (a dropped table is back, one absent from the dump is gone) with the service running', async function () {
      this.timeout(120_000)
      const runningBefore = await startedAt()
      await sql('DROP TABLE customers CASCADE; DELETE FROM audit')
      const result = await restore('plain', ['--force'])
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.items[0]).to.include({item: 'shop', version: 1, destination: 'database shop', replaced: true, status: 'ok'})
      expect(result.json.items[0].file).to.equal(path.join(target, 'db', 'postgres', 'shop', 'shop.1', 'shop.sql.gz'))
      expect(await snapshot()).to.equal(rowsAfter)
      expect(await snapshot()).not.to.contain('scratch')
      expect(await startedAt()).to.deep.equal(runningBefore)
      // Owned as before; the trigger works again.
      expect(await sql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'shop'")).to.equal(ADMIN)
      expect(await sql("INSERT INTO customers (id, name) VALUES (7, 'after'); SELECT count(*) FROM audit WHERE customer = 7")).to.equal('1')
      await sql('DELETE FROM audit WHERE customer = 7; DELETE FROM customers WHERE id = 7')
    })

    it('--version 2 brings back the rows before the insert, ending the sessions connected to the database', async function () {
      this.timeout(120_000)
      const session = project.exec('db', psql('shop'), {input: 'SELECT pg_sleep(60);', reject: false, env: {PGAPPNAME: 'bbtest-session'}})
      await waitUntil(async () => (await sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'bbtest-session'")) === '1', {
        timeoutMs: 10_000,
        intervalMs: 50,
        what: 'the other session',
      })
      const result = await restore('plain', ['--version', '2', '--force'])
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.items[0]).to.include({version: 2, replaced: true, status: 'ok'})
      expect(await snapshot()).to.equal(rowsBefore)
      expect((await session).exitCode).not.to.equal(0)
    })

    it('creates a dropped database again without --force', async function () {
      this.timeout(120_000)
      await sql('DROP DATABASE shop', 'postgres')
      expect(await databases()).not.to.include('shop')
      const result = await restore('plain')
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.items[0]).to.include({destination: 'database shop', replaced: false, status: 'ok'})
      expect(await snapshot()).to.equal(rowsAfter)
    })
  })

  describe('into another database (--to)', function () {
    it('--dry-run says it would create it, and creates nothing', async function () {
      this.timeout(120_000)
      const result = await restore('plain', ['--to', 'shop_copy', '--dry-run'])
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.items[0]).to.include({destination: 'database shop_copy', replaced: false, status: 'ok'})
      expect(await databases()).not.to.include('shop_copy')
    })

    it('creates and fills the other database and leaves the original untouched', async function () {
      this.timeout(120_000)
      await sql("UPDATE customers SET note = 'changed after the backup' WHERE id = 2")
      const original = await snapshot()
      const result = await restore('plain', ['--to', 'shop_copy'])
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.items[0]).to.include({destination: 'database shop_copy', replaced: false, status: 'ok'})
      expect(await snapshot('shop_copy')).to.equal(rowsAfter)
      expect(await snapshot()).to.equal(original)
    })

    it('refuses the other database once it holds tables, unless --force', async function () {
      this.timeout(120_000)
      const refused = await restore('plain', ['--to', 'shop_copy'])
      expect(refused.exitCode, refused.stderr).to.equal(1)
      expect(refused.json.items[0].error).to.contain('database shop_copy').and.to.contain('--force')
      const forced = await restore('plain', ['--to', 'shop_copy', '--force', '--version', '2'])
      expect(forced.exitCode, forced.stderr).to.equal(0)
      expect(forced.json.items[0]).to.include({replaced: true, status: 'ok'})
      expect(await snapshot('shop_copy')).to.equal(rowsBefore)
    })

    it('takes a name with a space, quotes and a semicolon as one name', async function () {
      this.timeout(120_000)
      const name = `it's a "copy"; DROP DATABASE shop`
      const result = await restore('plain', ['--to', name])
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(await databases()).to.include(name).and.to.include('shop')
      expect(await snapshot(name)).to.equal(rowsAfter)
    })

    it('refuses a name psql would read as a connection string, before touching anything', async function () {
      this.timeout(120_000)
      const before = await databases()
      const result = await restore('plain', ['--to', 'dbname=postgres host=elsewhere'])
      expect(result.exitCode, result.stderr).to.equal(1)
      expect(result.json.items[0].error).to.contain('cannot contain "="')
      expect(await databases()).to.deep.equal(before)
    })

    it('connects over TCP like the dump did, with the password only in PGPASSWORD', async function () {
      this.timeout(120_000)
      const result = await restore('tcp', ['--to', 'shop_tcp'])
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(await snapshot('shop_tcp')).to.equal(rowsAfter)
      expect(result.stdout + result.stderr).not.to.contain(PASSWORD)

      const wrong = await restore('wrongPassword', ['--to', 'shop_wrong'])
      expect(wrong.exitCode, wrong.stderr).to.equal(1)
      expect(wrong.json.items[0].error).to.contain(`password authentication failed for user "${ADMIN}"`)
      expect(await databases()).not.to.include('shop_wrong')
      expect(wrong.stdout + wrong.stderr).not.to.contain('Wr0ng-Pa55-q8Lz3')
    })
  })

  describe('a custom archive', function () {
    let customTarget: string
    let rowsAtBackup: string

    before(async function () {
      this.timeout(120_000)
      customTarget = path.join(work, 'custom-backups')
      rowsAtBackup = await snapshot()
      const result = await backup('custom', customTarget)
      expect(result.exitCode, result.stderr).to.equal(0)
    })

    it('goes back with pg_restore, replacing the database with --force', async function () {
      this.timeout(120_000)
      await sql("DROP TABLE audit; CREATE TABLE scratch (x integer); UPDATE customers SET name = 'changed' WHERE id = 1")
      const result = await restore('custom', ['--force'], customTarget)
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.items[0]).to.include({destination: 'database shop', replaced: true, status: 'ok'})
      expect(result.json.items[0].file).to.equal(path.join(customTarget, 'db', 'postgres', 'shop', 'shop.1', 'shop.dump'))
      expect(await snapshot()).to.equal(rowsAtBackup)
    })

    it('goes into another database with --to', async function () {
      this.timeout(120_000)
      const result = await restore('custom', ['--to', 'shop_custom'], customTarget)
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(await snapshot('shop_custom')).to.equal(rowsAtBackup)
    })

    it('is refused before anything changes when it was cut short, though its checksum matches', async function () {
      this.timeout(120_000)
      const damaged = path.join(work, 'custom-damaged')
      await cp(customTarget, damaged, {recursive: true})
      const version = path.join(damaged, 'db', 'postgres', 'shop', 'shop.1')
      const archive = await readFile(path.join(version, 'shop.dump'))
      await rewrite(version, 'shop.dump', archive.subarray(0, archive.length - 100))
      await sql('CREATE TABLE scratch (x integer)')
      const before = await snapshot()
      const result = await restore('custom', ['--force'], damaged)
      expect(result.exitCode, result.stderr).to.equal(1)
      expect(result.json.items[0].error).to.contain('cannot read shop.dump (version 1) to its end').and.to.contain('nothing was changed')
      expect(await snapshot()).to.equal(before)
      await sql('DROP TABLE scratch')
    })
  })

  describe('an all-databases dump', function () {
    let allTarget: string
    let rowsAtBackup: string

    before(async function () {
      this.timeout(120_000)
      allTarget = path.join(work, 'all-backups')
      rowsAtBackup = await snapshot()
      const result = await backup('all', allTarget)
      expect(result.exitCode, result.stderr).to.equal(0)
    })

    it('refuses --to', async function () {
      this.timeout(120_000)
      const result = await restore('all', ['--to', 'elsewhere'], allTarget)
      expect(result.exitCode, result.stderr).to.equal(1)
      expect(result.json.items[0].error).to.contain('--to cannot be used with all-databases')
    })

    it('needs --force on a server with databases, then replaces them: the dump\'s come back, the others are gone', async function () {
      this.timeout(120_000)
      const refused = await restore('all', [], allTarget)
      expect(refused.exitCode, refused.stderr).to.equal(1)
      expect(refused.json.items[0].error).to.contain('holds databases').and.to.contain('shop').and.to.contain('--force')
      await sql('CREATE DATABASE made_after_the_backup', 'postgres')
      await sql('DROP TABLE audit CASCADE')
      const result = await restore('all', ['--force'], allTarget)
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.items[0]).to.include({destination: 'all databases', replaced: true, status: 'ok'})
      expect(await snapshot()).to.equal(rowsAtBackup)
      const now = await databases()
      expect(now).to.include('shop_copy').and.to.include('shop_custom').and.not.to.include('made_after_the_backup')
      // The role kept its password (set again by the dump): TCP logins still work.
      const overTcp = await project.exec('db', ['psql', '-X', '-A', '-t', '-h', '127.0.0.1', '-U', ADMIN, '-d', 'shop', '-c', 'SELECT count(*) FROM customers'], {
        env: {PGPASSWORD: PASSWORD},
      })
      expect(overTcp.stdout).to.equal('6')
    })
  })

  describe('verify', function () {
    let damaged: string

    before(async function () {
      // A copy of the tree whose newest dump lost its trailer, with a manifest that matches it:
      // only the content check can tell.
      damaged = path.join(work, 'damaged-backups')
      await cp(target, damaged, {recursive: true})
      const version = path.join(damaged, 'db', 'postgres', 'shop', 'shop.1')
      const dump = gunzipSync(await readFile(path.join(version, 'shop.sql.gz'))).toString('utf8')
      await rewrite(version, 'shop.sql.gz', gzipSync(dump.slice(0, dump.lastIndexOf('-- PostgreSQL database dump complete'))))
    })

    it('passes every version of good dumps, content check included: plain, custom and the whole cluster', async function () {
      this.timeout(120_000)
      const result = await cli(['verify', 'db', '--all', '--target', target])
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.ok).to.equal(true)
      expect(result.json.items.map((i: any) => [i.service, i.folder, i.item, i.version, i.status])).to.deep.equal([
        ['db', 'postgres', 'shop', 1, 'ok'],
        ['db', 'postgres', 'shop', 2, 'ok'],
      ])
      for (const item of result.json.items) expect(item.checks).to.include('content')
      for (const other of ['custom-backups', 'all-backups']) {
        const more = await cli(['verify', '--all', '--target', path.join(work, other)])
        expect(more.exitCode, more.stderr).to.equal(0)
        expect(more.json.items).to.have.length(1)
        expect(more.json.items[0].checks).to.include('content')
      }
    })

    it('fails (exit 1) on a dump without its trailer whose checksum matches', async function () {
      this.timeout(120_000)
      const result = await cli(['verify', 'db', '--all', '--target', damaged])
      expect(result.exitCode, result.stderr).to.equal(1)
      expect(result.json.ok).to.equal(false)
      const [newest, older] = result.json.items
      expect(newest).to.include({item: 'shop', version: 1, status: 'failed'})
      expect(newest.checks).to.include('sha256')
      expect(newest.error).to.contain('"-- PostgreSQL database dump complete" trailer')
      expect(older).to.include({version: 2, status: 'ok'})
    })

    it('keeps restore from using that dump, even with --force', async function () {
      this.timeout(120_000)
      const before = await snapshot()
      const result = await restore('plain', ['--force'], damaged)
      expect(result.exitCode, result.stderr).to.equal(1)
      expect(result.json.items[0].error).to.contain('"-- PostgreSQL database dump complete" trailer')
      expect(await snapshot()).to.equal(before)
    })
  })
})

/** Replaces a version's artifact and makes its manifest match, as if it had been stored so. */
async function rewrite(version: string, file: string, content: Buffer): Promise<void> {
  await writeFile(path.join(version, file), content)
  const manifest = JSON.parse(await readFile(path.join(version, 'manifest.json'), 'utf8'))
  manifest.sha256 = createHash('sha256').update(content).digest('hex')
  manifest.bytes = content.length
  await writeFile(path.join(version, 'manifest.json'), JSON.stringify(manifest, null, 2))
}


