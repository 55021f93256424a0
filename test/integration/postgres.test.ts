// backup_postgres against a real PostgreSQL server in a real compose project, through the real
// CLI. The plugin is not a core plugin: it is packed (`npm pack`) and installed with
// `backupbot plugins:install file:...` into an isolated BACKUPBOT_DATA_DIR first. Then: streamed
// dumps from the running service (no downtime) that restore into a fresh server with identical
// rows (plain SQL with psql, custom archives with pg_restore, the whole cluster with psql),
// failures that keep no version, and a password that never shows anywhere.
//
// The test image trusts socket connections, like the official one, so the password is only
// checked over TCP: the tests that need it pass `extra_args: ["--host=127.0.0.1"]`.
import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {gunzipSync} from 'node:zlib'
import {execa} from 'execa'

import {REPO_ROOT, runCli, spawnCli} from './helpers/cli.js'
import {type ComposeProject, cleanupTestResources, startComposeProject, waitUntil} from './helpers/compose.js'
import {docker, requireEngine, requireImages, TEST_IMAGES} from './helpers/engine.js'
import {installPackedPlugin, isolatedBackupbot} from './helpers/plugin-install.js'
import {removeFreshServers, startFreshPostgres} from './helpers/fresh-servers.js'

const fixture = fileURLToPath(new URL('../fixtures/postgres-project', import.meta.url))
const PLUGIN_DIR = path.join(REPO_ROOT, 'plugins', 'postgres')
const PLUGIN = '@backupbot/plugin-postgres'

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
  (4, '', '', 0.00, NULL, '{NULL}', 'null'),
  (5, 'Ελληνικά', 'NULL', 99999999.99, 'infinity', NULL, '{"nested": {"x": [1, null]}}');
CREATE TABLE audit (id serial PRIMARY KEY, customer integer REFERENCES customers (id), at timestamptz DEFAULT now());
CREATE FUNCTION audit_insert() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO audit (customer) VALUES (NEW.id); RETURN NEW; END$$;
CREATE TRIGGER customers_audit AFTER INSERT ON customers FOR EACH ROW EXECUTE FUNCTION audit_insert();
CREATE FUNCTION customer_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM customers';
INSERT INTO customers (id, name) VALUES (6, 'after the trigger');
-- A table the dump must lock, for tests that need a dump that runs for a while, and one that
-- takes writes during a dump.
CREATE TABLE lockme (id integer);
CREATE TABLE writes (note text);
`

/** Rows, sequence, trigger and function: what a restore must bring back identically. */
const CONTENT_QUERY = `
SELECT id, name, note, balance, seen, tags, meta FROM customers ORDER BY id;
SELECT id, customer FROM audit ORDER BY id;
SELECT last_value FROM audit_id_seq;
SELECT customer_count();
SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1;
`

/** psql arguments for plain, comparable output (unaligned, no headers, NULL spelled out). */
const psql = (user: string, database: string) => ['psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-P', 'null=<NULL>', '-U', user, '-d', database]

const DUMP_RUNNING = /pg_dump(all)? --username=/

describe('backup_postgres: dumping a running PostgreSQL service (plugin installed with plugins:install)', function () {
  let project: ComposeProject
  let work: string
  let target: string
  let cliEnv: Record<string, string>
  let fresh: string

  /** Runs the CLI with a scheme config written to a file; --json output parsed. */
  async function backup(config: object, options: {target?: string} = {}) {
    const file = path.join(work, `config-${randomBytes(3).toString('hex')}.json`)
    await writeFile(file, JSON.stringify(config, null, 2))
    const result = await runCli(['backup', '--config', file, '--target', options.target ?? target, '--json'], {cwd: project.dir, env: cliEnv, reject: false})
    return {...result, json: parseJson(result.stdout)}
  }

  /** SQL in the service's container, over the trusted socket. */
  const sql = (statements: string, database = 'shop') => project.exec('db', psql(ADMIN, database), {input: statements})
  const freshSql = (input: string | Buffer, database = 'postgres', tool = psql('postgres', database)) =>
    execa('docker', ['exec', '-i', fresh, ...tool], {input})

  before(async function () {
    this.timeout(300_000)
    await requireEngine()
    await requireImages(TEST_IMAGES.postgres)
    await cleanupTestResources()
    work = await mkdtemp(path.join(os.tmpdir(), 'bb-postgres-'))
    target = path.join(work, 'backups')
    cliEnv = await isolatedBackupbot(work)
    await installPackedPlugin(PLUGIN_DIR, work, cliEnv)
    project = await startComposeProject(fixture)
    fresh = await startFreshPostgres()
    await project.waitForExec('db', [...psql(ADMIN, 'shop'), '-c', 'SELECT 1'])
    await sql(SCHEMA)
  })

  after(async function () {
    this.timeout(120_000)
    // The work dir first: it holds no engine state, and a failing down() must not leave it behind.
    if (work) await rm(work, {recursive: true, force: true})
    await project?.down()
    await removeFreshServers()
    await cleanupTestResources()
  })

  it('is provided by the installed @backupbot/plugin-postgres', async function () {
    const {stdout} = await runCli(['schemes', '--json'], {cwd: work, env: cliEnv})
    const schemes = JSON.parse(stdout).schemes as Array<{type: string; plugin: string}>
    expect(schemes.find((s) => s.type === 'backup_postgres')).to.include({plugin: PLUGIN})
  })

  describe('dumps with key references', function () {
    let result: Awaited<ReturnType<typeof backup>>
    let startedBefore: string

    before(async function () {
      this.timeout(180_000)
      startedBefore = await startedAt(await project.containerId('db'))
      result = await backup({
        db: [
          {type: 'backup_postgres', database: 'db.environment.POSTGRES_DB', user: 'db.environment.POSTGRES_USER', password: 'db.environment.POSTGRES_PASSWORD'},
          // Over TCP, where the password is checked; DUMP_USER comes from env_file, which only
          // the container knows.
          {type: 'backup_postgres', databases: ['all'], user: 'db.environment.DUMP_USER', password: 'db.environment.POSTGRES_PASSWORD', extra_args: ['--host=127.0.0.1']},
        ],
      })
    })

    it('succeeds with one .sql.gz version per item', function () {
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.ok).to.equal(true)
      const items = result.json.items as Array<Record<string, unknown>>
      expect(items.map((i) => [i.service, i.scheme, i.item, i.status])).to.deep.equal([
        ['db', 'backup_postgres', 'shop', 'ok'],
        ['db', 'backup_postgres', 'all-databases', 'ok'],
      ])
      expect(items[0]!.file).to.equal(path.join(target, 'db', 'postgres', 'shop', 'shop.1', 'shop.sql.gz'))
      expect(items[1]!.file).to.equal(path.join(target, 'db', 'postgres', 'all-databases', 'all-databases.1', 'all-databases.sql.gz'))
    })

    it('keeps the service running: same container, same StartedAt', async function () {
      expect(await startedAt(await project.containerId('db'))).to.equal(startedBefore)
    })

    it('writes a plain single-database dump (no CREATE DATABASE) that ends with the trailer', async function () {
      const dump = gunzipSync(await readFile(path.join(target, 'db', 'postgres', 'shop', 'shop.1', 'shop.sql.gz'))).toString('utf8')
      expect(dump).to.contain('CREATE TABLE public.customers').and.to.contain('customers_audit').and.to.contain('customer_count')
      expect(dump).not.to.match(/CREATE DATABASE|^\\connect /m)
      expect(dump).to.match(/\n-- PostgreSQL database dump complete\n--\s*(\\unrestrict \S+\s*)?$/)
    })

    it('restores the plain dump into a fresh PostgreSQL under another database name with identical rows', async function () {
      this.timeout(120_000)
      const dump = gunzipSync(await readFile(path.join(target, 'db', 'postgres', 'shop', 'shop.1', 'shop.sql.gz')))
      // Roles are cluster-wide and not in a database dump: the owner must exist, as on any restore.
      await freshSql(`CREATE ROLE ${ADMIN}; CREATE DATABASE restored;`)
      await freshSql(dump, 'restored')
      const original = (await sql(CONTENT_QUERY)).stdout
      expect(original).to.contain('Zoë Ångström').and.to.contain('🎉').and.to.contain('<NULL>').and.to.contain('customers_audit')
      expect((await freshSql(CONTENT_QUERY, 'restored')).stdout).to.equal(original)
    })

    it('dumps the whole cluster with pg_dumpall over TCP, and it restores into a fresh server', async function () {
      this.timeout(120_000)
      const file = path.join(target, 'db', 'postgres', 'all-databases', 'all-databases.1', 'all-databases.sql.gz')
      const dump = gunzipSync(await readFile(file)).toString('utf8')
      expect(dump).to.match(/CREATE DATABASE shop /).and.to.match(/CREATE ROLE shopadmin/)
      expect(dump).to.match(/\n-- PostgreSQL database cluster dump complete\n--\s*$/)
      // No ON_ERROR_STOP: the role created above already exists, as `postgres` would on any server.
      await execa('docker', ['exec', '-i', fresh, 'psql', '-X', '-q', '-U', 'postgres', '-d', 'postgres'], {input: dump})
      expect((await freshSql(CONTENT_QUERY, 'shop')).stdout).to.equal((await sql(CONTENT_QUERY)).stdout)
    })

    it('leaves nothing running or written inside the container', async function () {
      const id = await project.containerId('db')
      const info = await docker().getContainer(id).inspect()
      for (const execId of info.ExecIDs ?? []) {
        expect((await docker().getExec(execId).inspect()).Running, `exec ${execId}`).to.equal(false)
      }
      // No dump file anywhere (the dump went out through stdout).
      const {stdout} = await project.exec('db', ['sh', '-c', 'find / -xdev -type f \\( -name "*.sql" -o -name "*.sql.gz" -o -name "*.dump" \\) 2>/dev/null | grep -v ^/usr/share || true'])
      expect(stdout.trim()).to.equal('')
    })
  })

  describe('format custom', function () {
    it('stores pg_dump\'s custom archive as .dump, which pg_restore restores with identical rows', async function () {
      this.timeout(180_000)
      const customTarget = path.join(work, 'custom-target')
      const result = await backup(
        {db: [{type: 'backup_postgres', database: 'shop', user: ADMIN, password: 'db.environment.POSTGRES_PASSWORD', format: 'custom', extra_args: ['--compress=9']}]},
        {target: customTarget},
      )
      expect(result.exitCode, result.stderr).to.equal(0)
      const file = path.join(customTarget, 'db', 'postgres', 'shop', 'shop.1', 'shop.dump')
      expect(result.json.items[0]).to.include({item: 'shop', status: 'ok', file})
      const archive = await readFile(file)
      expect(archive.subarray(0, 5).toString('latin1')).to.equal('PGDMP')

      await freshSql('CREATE DATABASE restored_custom;')
      // pg_restore reads the archive from standard input, as a restore from a pipe would.
      await freshSql(archive, 'restored_custom', ['pg_restore', '--exit-on-error', '-U', 'postgres', '-d', 'restored_custom'])
      expect((await freshSql(CONTENT_QUERY, 'restored_custom')).stdout).to.equal((await sql(CONTENT_QUERY)).stdout)
    })
  })

  describe('when the dump fails', function () {
    it('reports the server\'s "password authentication failed" for a wrong password over TCP, exits 1, keeps no version', async function () {
      this.timeout(120_000)
      const otherTarget = path.join(work, 'wrong-password-target')
      const wrong = 'Wr0ng-Pa55-q8Lz3'
      const result = await backup({db: [{type: 'backup_postgres', database: 'shop', user: ADMIN, password: wrong, extra_args: ['--host=127.0.0.1']}]}, {target: otherTarget})
      expect(result.exitCode, result.stderr).to.equal(1)
      const [item] = result.json.items
      expect(item).to.include({item: 'shop', status: 'failed'})
      expect(item.error).to.contain('pg_dump failed (exit code 1)').and.to.contain(`password authentication failed for user "${ADMIN}"`)
      expect(await versionsIn(path.join(otherTarget, 'db', 'postgres', 'shop'))).to.deep.equal([])
      expect(result.stdout + result.stderr).not.to.contain(wrong)
    })

    it('reports an unknown database, exits 1 and keeps no version', async function () {
      this.timeout(120_000)
      const result = await backup({db: [{type: 'backup_postgres', database: 'no_such_db', user: 'db.environment.POSTGRES_USER'}]})
      expect(result.exitCode, result.stderr).to.equal(1)
      const [item] = result.json.items
      expect(item).to.include({item: 'no_such_db', status: 'failed'})
      expect(item.error).to.contain('database "no_such_db" does not exist')
      expect(await versionsIn(path.join(target, 'db', 'postgres', 'no_such_db'))).to.deep.equal([])
    })

    it('refuses --file in extra_args before touching anything (exit 2)', async function () {
      const otherTarget = path.join(work, 'file-target')
      const result = await backup({db: [{type: 'backup_postgres', database: 'shop', extra_args: ['--file=/tmp/x.sql']}]}, {target: otherTarget})
      expect(result.exitCode, result.stderr).to.equal(2)
      expect(result.stdout + result.stderr).to.contain('extra_args[0]: --file is not supported')
      expect(existsSync(otherTarget)).to.equal(false)
    })
  })

  describe('a dump that runs for a while', function () {
    /**
     * Holds an exclusive lock on `lockme` until released: pg_dump waits for it before it writes
     * anything, so the dump keeps running (visible to `ps`) until the test lets it go on.
     */
    async function holdLock() {
      const holder = project.exec('db', psql(ADMIN, 'shop'), {
        env: {PGAPPNAME: 'bbtest-lock'},
        input: 'BEGIN; LOCK TABLE lockme IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;',
        reject: false,
      })
      await waitUntil(async () => (await sql("SELECT 1 FROM pg_locks WHERE relation = 'lockme'::regclass AND mode = 'AccessExclusiveLock' AND granted")).stdout.trim() === '1', {
        timeoutMs: 10_000,
        intervalMs: 50,
        what: 'the lock on lockme',
      })
      let released = false
      return async function release() {
        if (released) return
        released = true
        await sql("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'bbtest-lock'")
        await holder
      }
    }

    it('never shows the password in host `ps`, the execs\' inspect data, stderr or --json output', async function () {
      this.timeout(120_000)
      const file = path.join(work, 'secrets.json')
      await writeFile(
        file,
        JSON.stringify({
          db: [{type: 'backup_postgres', database: 'db.environment.POSTGRES_DB', user: 'db.environment.POSTGRES_USER', password: 'db.environment.POSTGRES_PASSWORD', extra_args: ['--host=127.0.0.1']}],
        }),
      )
      const release = await holdLock()
      // Should the sampling below never see the dump, it must still end.
      const safety = setTimeout(() => void release(), 30_000)
      const child = spawnCli(['backup', '--config', file, '--target', target, '--json', '--verbose'], {cwd: project.dir, env: cliEnv})
      const containerId = await project.containerId('db')
      const seenArgs = new Set<string>()
      const seenExecs = new Map<string, string>()
      const leaks: string[] = []
      let writeDuringDump: {exitCode?: number; dumpStillRunning: boolean} | undefined
      let done = false
      void child.finally(() => (done = true)).catch(() => {})
      while (!done) {
        const ps = await execa('ps', ['-eo', 'args'], {reject: false})
        const dumping = DUMP_RUNNING.test(ps.stdout)
        for (const line of ps.stdout.split('\n')) {
          // Every process on the host, not only the dump: none may carry the password.
          if (line.includes(PASSWORD)) leaks.push(line)
          if (DUMP_RUNNING.test(line)) seenArgs.add(line)
        }
        const info = await docker().getContainer(containerId).inspect()
        for (const execId of info.ExecIDs ?? []) {
          const exec = await docker().getExec(execId).inspect().catch(() => undefined)
          if (exec) seenExecs.set(execId, JSON.stringify(exec))
        }
        if (dumping && !writeDuringDump) {
          // No downtime: the service takes writes while the dump runs.
          const {exitCode} = await sql("INSERT INTO writes VALUES ('written during the dump')")
          writeDuringDump = {exitCode, dumpStillRunning: DUMP_RUNNING.test((await execa('ps', ['-eo', 'args'], {reject: false})).stdout)}
          // Sampled the running dump (below) once more, then let it finish.
          setTimeout(() => void release(), 300)
        }
      }
      const result = await child
      clearTimeout(safety)
      await release()
      expect(leaks, 'host processes showing the password').to.deep.equal([])
      expect(writeDuringDump).to.deep.equal({exitCode: 0, dumpStillRunning: true})
      expect(result.exitCode, String(result.stderr)).to.equal(0)
      // Sampling caught the dump itself: the checks below looked at the right process.
      expect([...seenArgs].join('\n')).to.contain(`--username=${ADMIN}`).and.to.contain('--host=127.0.0.1')
      const execJson = [...seenExecs.values()]
      expect(execJson.some((j) => j.includes('--username=')), 'an exec of the dump was inspected').to.equal(true)
      for (const text of [...seenArgs, ...execJson, String(result.stdout), String(result.stderr)]) {
        expect(text).not.to.contain(PASSWORD)
      }
      expect(JSON.parse(String(result.stdout)).items[0]).to.include({item: 'shop', status: 'ok'})
    })

    it('stops the dump in the container when backupbot is interrupted, and keeps no partial version', async function () {
      this.timeout(120_000)
      const itemDir = path.join(target, 'db', 'postgres', 'shop')
      const before = await versionsIn(itemDir)
      const file = path.join(work, 'interrupt.json')
      await writeFile(file, JSON.stringify({db: [{type: 'backup_postgres', database: 'shop', user: ADMIN}]}))
      const release = await holdLock()
      const child = spawnCli(['backup', '--config', file, '--target', target], {cwd: project.dir, env: cliEnv})
      await waitUntil(async () => DUMP_RUNNING.test((await execa('ps', ['-eo', 'args'])).stdout), {timeoutMs: 60_000, intervalMs: 20, what: 'the dump to start'})
      child.kill('SIGINT')
      const result = await child
      expect(result.exitCode, String(result.stderr)).to.equal(130)
      await release()
      // Once the lock is gone pg_dump writes into the closed exec connection and dies of it.
      await waitUntil(async () => !DUMP_RUNNING.test((await execa('ps', ['-eo', 'args'])).stdout), {timeoutMs: 20_000, what: 'the dump process in the container to end'})
      expect(await versionsIn(itemDir)).to.deep.equal(before)
      expect((await readdir(itemDir)).filter((e) => e.startsWith('.tmp-'))).to.deep.equal([])
    })
  })
})



function parseJson(text: string) {
  try {
    return JSON.parse(text)
  } catch {
    return {unparsable: text}
  }
}

async function startedAt(containerId: string): Promise<string> {
  const info = await docker().getContainer(containerId).inspect()
  expect(info.State.Running).to.equal(true)
  return info.State.StartedAt
}

/** Version folders (`shop.1`, ...) of an item, ignoring temporary ones; [] when there is none. */
async function versionsIn(itemDir: string): Promise<string[]> {
  if (!existsSync(itemDir)) return []
  return (await readdir(itemDir)).filter((e) => !e.startsWith('.'))
}

