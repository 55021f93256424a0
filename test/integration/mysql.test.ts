// backup_mysql against a real MariaDB server in a real compose project, through the real CLI:
// a streamed dump from the running service (no downtime) that restores into a fresh server with
// identical rows, failures that keep no version, and a password that never shows anywhere.
import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {gunzipSync} from 'node:zlib'
import {execa} from 'execa'

import {runCli, spawnCli} from './helpers/cli.js'
import {type ComposeProject, cleanupTestResources, startComposeProject, waitUntil} from './helpers/compose.js'
import {docker, requireEngine, requireImages, TEST_IMAGES} from './helpers/engine.js'
import {FRESH_SERVER_PASSWORD, removeFreshServers, startFreshMariadb} from './helpers/fresh-servers.js'

const fixture = fileURLToPath(new URL('../fixtures/mysql-project', import.meta.url))

// As in the fixture's compose.yaml: distinctive, so any leak is found by a plain substring search.
const USER_PASSWORD = 'Bb-Secr3t-7f2Q9xKw'
const ROOT_PASSWORD = 'Rt-9vH3kLp0Q2z-root'

const SCHEMA = `
CREATE TABLE customers (
  id INT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  note TEXT NULL,
  balance DECIMAL(10,2) NULL,
  seen DATETIME NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO customers VALUES
  (1, 'Zoë Ångström', 'Grüße aus Köln, 日本語, emoji 🎉', 12.50, '2024-01-02 03:04:05'),
  (2, 'O''Brien', NULL, NULL, NULL),
  (3, 'back\\\\slash "quotes"', 'line one\\nline two\\ttab', -0.01, '1999-12-31 23:59:59'),
  (4, '', '', 0.00, NULL),
  (5, 'Ελληνικά', 'NULL', 99999999.99, '2038-01-19 03:14:07');
CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, customer INT, at DATETIME DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB;
CREATE TRIGGER customers_audit AFTER INSERT ON customers FOR EACH ROW INSERT INTO audit (customer) VALUES (NEW.id);
CREATE PROCEDURE customer_count() SELECT COUNT(*) FROM customers;
`

/** `mariadb` client arguments for plain, comparable output (tabs, NULL spelled out, no headers). */
const client = (user: string, database: string) => ['mariadb', '--default-character-set=utf8mb4', '-N', '-B', `-u${user}`, database]

describe('backup_mysql: dumping a running MariaDB service', function () {
  let project: ComposeProject
  let work: string
  let target: string
  let dataDir: string

  /** Runs the CLI with a scheme config written to a file; --json output parsed. */
  async function backup(config: object, options: {target?: string; extra?: string[]} = {}) {
    const file = path.join(work, `config-${randomBytes(3).toString('hex')}.json`)
    await writeFile(file, JSON.stringify(config, null, 2))
    const result = await runCli(['backup', '--config', file, '--target', options.target ?? target, '--json', ...(options.extra ?? [])], {
      cwd: project.dir,
      env: {BACKUPBOT_DATA_DIR: dataDir},
      reject: false,
    })
    return {...result, json: parseJson(result.stdout)}
  }

  const sql = (statements: string, user = 'shopuser', password = USER_PASSWORD, database = 'shop') =>
    project.exec('db', client(user, database), {env: {MYSQL_PWD: password}, input: statements})

  before(async function () {
    this.timeout(300_000)
    await requireEngine()
    await requireImages(TEST_IMAGES.mariadb)
    await cleanupTestResources()
    work = await mkdtemp(path.join(os.tmpdir(), 'bb-mysql-'))
    target = path.join(work, 'backups')
    dataDir = path.join(work, 'data-dir')
    project = await startComposeProject(fixture)
    await project.waitForExec('db', [...client('shopuser', 'shop'), '-e', 'SELECT 1'], {env: {MYSQL_PWD: USER_PASSWORD}})
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

  describe('a dump with key references', function () {
    let result: Awaited<ReturnType<typeof backup>>
    let startedBefore: string

    before(async function () {
      this.timeout(180_000)
      startedBefore = await startedAt(await project.containerId('db'))
      result = await backup({
        db: [
          {
            type: 'backup_mysql',
            database: 'db.environment.MYSQL_DATABASE',
            user: 'db.environment.MYSQL_USER',
            password: 'db.environment.MYSQL_PASSWORD',
          },
          // DUMP_USER comes from env_file, which only the container knows.
          {type: 'backup_mysql', databases: ['all'], user: 'db.environment.DUMP_USER', password: 'db.environment.MYSQL_ROOT_PASSWORD'},
        ],
      })
    })

    it('succeeds with one .sql.gz version per item', function () {
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.ok).to.equal(true)
      const items = result.json.items as Array<Record<string, unknown>>
      expect(items.map((i) => [i.service, i.scheme, i.item, i.status])).to.deep.equal([
        ['db', 'backup_mysql', 'shop', 'ok'],
        ['db', 'backup_mysql', 'all-databases', 'ok'],
      ])
      expect(items[0]!.file).to.equal(path.join(target, 'db', 'mysql', 'shop', 'shop.1', 'shop.sql.gz'))
      expect(items[1]!.file).to.equal(path.join(target, 'db', 'mysql', 'all-databases', 'all-databases.1', 'all-databases.sql.gz'))
    })

    it('keeps the service running: same container, same StartedAt', async function () {
      expect(await startedAt(await project.containerId('db'))).to.equal(startedBefore)
    })

    it('writes a plain single-database dump (no CREATE DATABASE) that ends with the trailer', async function () {
      const dump = gunzipSync(await readFile(path.join(target, 'db', 'mysql', 'shop', 'shop.1', 'shop.sql.gz'))).toString('utf8')
      expect(dump).to.contain('CREATE TABLE `customers`').and.to.contain('customers_audit').and.to.contain('customer_count')
      expect(dump).not.to.match(/CREATE DATABASE|^USE /m)
      expect(dump.trimEnd()).to.match(/-- Dump completed on [^\n]+$/)
    })

    it('dumps every database with --all-databases as root (DUMP_USER only in the container)', async function () {
      const file = path.join(target, 'db', 'mysql', 'all-databases', 'all-databases.1', 'all-databases.sql.gz')
      const dump = gunzipSync(await readFile(file)).toString('utf8')
      expect(dump).to.match(/CREATE DATABASE .*`shop`/).and.to.match(/CREATE DATABASE .*`mysql`/)
      expect(dump.trimEnd()).to.match(/-- Dump completed on [^\n]+$/)
    })

    it('restores into a fresh MariaDB under another database name with identical rows, trigger and routine', async function () {
      this.timeout(180_000)
      const dump = gunzipSync(await readFile(path.join(target, 'db', 'mysql', 'shop', 'shop.1', 'shop.sql.gz')))
      const fresh = await startFreshMariadb()
      const rootSql = (input: string | Buffer, database = '') =>
        execa('docker', ['exec', '-i', '-e', 'MYSQL_PWD', fresh, ...client('root', database)], {env: {MYSQL_PWD: FRESH_SERVER_PASSWORD}, input})
      await rootSql('CREATE DATABASE restored')
      await rootSql(dump, 'restored')

      const query = `SELECT id, name, note, balance, seen FROM customers ORDER BY id;
        SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE();
        SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE();`
      const original = (await sql(query)).stdout
      const restored = (await rootSql(query, 'restored')).stdout
      expect(original).to.contain('Zoë Ångström').and.to.contain('🎉').and.to.contain('NULL')
      expect(original.split('\n')).to.include.members(['customers_audit', 'customer_count'])
      expect(restored).to.equal(original)
    })

    it('leaves nothing running or written inside the container', async function () {
      const id = await project.containerId('db')
      const info = await docker().getContainer(id).inspect()
      for (const execId of info.ExecIDs ?? []) {
        expect((await docker().getExec(execId).inspect()).Running, `exec ${execId}`).to.equal(false)
      }
      // No dump file anywhere but the database's own files (the dump went out through stdout).
      const {stdout} = await project.exec('db', ['sh', '-c', 'find / -xdev -type f \\( -name "*.sql" -o -name "*.sql.gz" \\) 2>/dev/null | grep -v ^/usr/share || true'])
      expect(stdout.trim()).to.equal('')
    })
  })

  describe('when the dump fails', function () {
    it('reports the server\'s "Access denied" for a wrong password, exits 1 and keeps no version', async function () {
      this.timeout(120_000)
      const fresh = path.join(work, 'wrong-password-target')
      const wrong = 'Wr0ng-Pa55-q8Lz3'
      const result = await backup({db: [{type: 'backup_mysql', database: 'shop', user: 'shopuser', password: wrong}]}, {target: fresh})
      expect(result.exitCode, result.stderr).to.equal(1)
      const [item] = result.json.items
      expect(item).to.include({item: 'shop', status: 'failed'})
      expect(item.error).to.contain('Access denied for user').and.to.contain('shopuser')
      expect(await versionsIn(path.join(fresh, 'db', 'mysql', 'shop'))).to.deep.equal([])
      expect(result.stdout + result.stderr).not.to.contain(wrong)
    })

    it('reports an unknown database, exits 1 and keeps no version', async function () {
      this.timeout(120_000)
      const result = await backup({db: [{type: 'backup_mysql', database: 'no_such_db', password: 'db.environment.MYSQL_ROOT_PASSWORD'}]})
      expect(result.exitCode, result.stderr).to.equal(1)
      const [item] = result.json.items
      expect(item).to.include({item: 'no_such_db', status: 'failed'})
      expect(item.error).to.match(/Unknown database .?no_such_db/)
      expect(await versionsIn(path.join(target, 'db', 'mysql', 'no_such_db'))).to.deep.equal([])
    })

    it('refuses --skip-comments in extra_args before touching anything (exit 2)', async function () {
      const fresh = path.join(work, 'skip-comments-target')
      const result = await backup({db: [{type: 'backup_mysql', database: 'shop', extra_args: ['--skip-comments']}]}, {target: fresh})
      expect(result.exitCode, result.stderr).to.equal(2)
      expect(result.stdout + result.stderr).to.contain('--skip-comments').and.to.contain('trailer')
      expect(existsSync(fresh)).to.equal(false)
    })
  })

  describe('a long dump', function () {
    before(async function () {
      this.timeout(300_000)
      // Big enough that the dump runs for a while and `ps` can watch it.
      await sql(`CREATE TABLE bulk (id INT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(200)) ENGINE=InnoDB;
        INSERT INTO bulk (payload) SELECT REPEAT(MD5(seq), 6) FROM seq_1_to_400000;`)
    })

    it('never appears in host `ps`, the execs\' inspect data, stderr or --json output during a dump', async function () {
      this.timeout(300_000)
      const file = path.join(work, 'secrets.json')
      await writeFile(
        file,
        JSON.stringify({db: [{type: 'backup_mysql', database: 'db.environment.MYSQL_DATABASE', user: 'db.environment.MYSQL_USER', password: 'db.environment.MYSQL_PASSWORD'}]}),
      )
      const child = spawnCli(['backup', '--config', file, '--target', target, '--json', '--verbose'], {cwd: project.dir, env: {BACKUPBOT_DATA_DIR: dataDir}})
      const containerId = await project.containerId('db')
      const seenArgs = new Set<string>()
      const seenExecs = new Map<string, string>()
      const leaks: string[] = []
      let writeDuringDump: {exitCode?: number; dumpStillRunning: boolean} | undefined
      let done = false
      void child.finally(() => (done = true)).catch(() => {})
      while (!done) {
        const ps = await execa('ps', ['-eo', 'args'], {reject: false})
        const dumping = /(mariadb-dump|mysqldump) --single-transaction/.test(ps.stdout)
        for (const line of ps.stdout.split('\n')) {
          // Every process on the host, not only the dump: none may carry a password.
          if (line.includes(USER_PASSWORD) || line.includes(ROOT_PASSWORD)) leaks.push(line)
          if (/mariadb-dump|mysqldump/.test(line)) seenArgs.add(line)
        }
        const info = await docker().getContainer(containerId).inspect()
        for (const execId of info.ExecIDs ?? []) {
          const exec = await docker().getExec(execId).inspect().catch(() => undefined)
          if (exec) seenExecs.set(execId, JSON.stringify(exec))
        }
        if (dumping && !writeDuringDump) {
          // No downtime and no lock: the service takes writes while the dump runs.
          const {exitCode} = await sql("INSERT INTO bulk (payload) VALUES ('written during the dump')")
          const after = await execa('ps', ['-eo', 'args'], {reject: false})
          writeDuringDump = {exitCode, dumpStillRunning: /(mariadb-dump|mysqldump) --single-transaction/.test(after.stdout)}
        }
      }
      const result = await child
      expect(leaks, 'host processes showing a password').to.deep.equal([])
      expect(writeDuringDump).to.deep.equal({exitCode: 0, dumpStillRunning: true})
      expect(result.exitCode, String(result.stderr)).to.equal(0)
      // Sampling caught the dump itself: the check below looked at the right process.
      const dumpLines = [...seenArgs].filter((l) => /mariadb-dump|mysqldump/.test(l) && l.includes('--single-transaction'))
      expect(dumpLines, [...seenArgs].join('\n')).to.not.be.empty
      expect(dumpLines.join('\n')).to.contain('--user=shopuser')
      const execJson = [...seenExecs.values()]
      expect(execJson.some((j) => j.includes('--single-transaction')), 'an exec of the dump was inspected').to.equal(true)
      for (const text of [...seenArgs, ...execJson, String(result.stdout), String(result.stderr)]) {
        expect(text).not.to.contain(USER_PASSWORD)
        expect(text).not.to.contain(ROOT_PASSWORD)
      }
      const json = JSON.parse(String(result.stdout))
      expect(json.items[0]).to.include({item: 'shop', status: 'ok'})
      expect(json.items[0].bytes).to.be.greaterThan(1_000_000)
    })

    it('stops the dump in the container when backupbot is interrupted, and keeps no partial version', async function () {
      this.timeout(120_000)
      const itemDir = path.join(target, 'db', 'mysql', 'shop')
      const before = await versionsIn(itemDir)
      const file = path.join(work, 'interrupt.json')
      await writeFile(file, JSON.stringify({db: [{type: 'backup_mysql', database: 'shop', user: 'shopuser', password: 'db.environment.MYSQL_PASSWORD'}]}))
      const child = spawnCli(['backup', '--config', file, '--target', target], {cwd: project.dir, env: {BACKUPBOT_DATA_DIR: dataDir}})
      await waitUntil(async () => /(mariadb-dump|mysqldump) --single-transaction/.test((await execa('ps', ['-eo', 'args'])).stdout), {
        timeoutMs: 60_000,
        intervalMs: 20,
        what: 'the dump to start',
      })
      child.kill('SIGINT')
      const result = await child
      expect(result.exitCode, String(result.stderr)).to.equal(130)
      // The exec's connection is closed, so the tool dies of the broken pipe: nothing lingers.
      await waitUntil(async () => !/(mariadb-dump|mysqldump) --single-transaction/.test((await execa('ps', ['-eo', 'args'])).stdout), {
        timeoutMs: 15_000,
        what: 'the dump process in the container to end',
      })
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
