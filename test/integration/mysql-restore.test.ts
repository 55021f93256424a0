// backup_mysql restore and verify against a real MariaDB server in a real compose project,
// through the real CLI: a dump goes back into the running service (no downtime) with identical
// rows, an older version brings back the older rows, --to fills another database and leaves the
// original alone, a database that holds data is only replaced with --force, and `verify` catches
// a dump cut short even when its checksum matches.
import {expect} from 'chai'
import {createHash} from 'node:crypto'
import {cp, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {gunzipSync, gzipSync} from 'node:zlib'

import {runCli} from './helpers/cli.js'
import {type ComposeProject, cleanupTestResources, startComposeProject} from './helpers/compose.js'
import {docker, requireEngine, requireImages, TEST_IMAGES} from './helpers/engine.js'

const fixture = fileURLToPath(new URL('../fixtures/mysql-project', import.meta.url))

// As in the fixture's compose.yaml.
const USER_PASSWORD = 'Bb-Secr3t-7f2Q9xKw'
const ROOT_PASSWORD = 'Rt-9vH3kLp0Q2z-root'

const SCHEMA = `
CREATE TABLE customers (
  id INT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  note TEXT NULL,
  balance DECIMAL(10,2) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO customers VALUES
  (1, 'Zoë Ångström', 'Grüße aus Köln, 日本語, emoji 🎉', 12.50),
  (2, 'O''Brien', NULL, NULL),
  (3, 'back\\\\slash "quotes"', 'line one\\nline two\\ttab', -0.01),
  (4, '', '', 0.00);
CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, customer INT) ENGINE=InnoDB;
CREATE TRIGGER customers_audit AFTER INSERT ON customers FOR EACH ROW INSERT INTO audit (customer) VALUES (NEW.id);
CREATE PROCEDURE customer_count() SELECT COUNT(*) FROM customers;
`

/** Rows, tables, triggers and routines of a database, as comparable text. */
const SNAPSHOT = `SELECT id, name, note, balance FROM customers ORDER BY id;
  SELECT id, customer FROM audit ORDER BY id;
  SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME;
  SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE();
  SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE();`

const SHOPUSER_CONFIG = {
  db: [{type: 'backup_mysql', database: 'db.environment.MYSQL_DATABASE', user: 'db.environment.MYSQL_USER', password: 'db.environment.MYSQL_PASSWORD'}],
}
// --to another database needs CREATE on it: the application user only has its own database.
const ROOT_CONFIG = {db: [{type: 'backup_mysql', database: 'shop', user: 'root', password: 'db.environment.MYSQL_ROOT_PASSWORD'}]}
const ALL_CONFIG = {db: [{type: 'backup_mysql', databases: ['all'], user: 'root', password: 'db.environment.MYSQL_ROOT_PASSWORD'}]}

describe('backup_mysql: restoring and verifying dumps of a running MariaDB service', function () {
  let project: ComposeProject
  let work: string
  let dataDir: string
  /** Versions made as shopuser: .2 = rows before, .1 = rows after one more insert. */
  let target: string
  let rowsBefore: string
  let rowsAfter: string
  const configs: Record<string, string> = {}

  async function cli(args: string[]) {
    const result = await runCli([...args, '--json'], {cwd: project.dir, env: {BACKUPBOT_DATA_DIR: dataDir}, reject: false})
    let json: any
    try {
      json = JSON.parse(result.stdout)
    } catch {
      json = {unparsable: result.stdout}
    }
    return {...result, json}
  }

  const backup = (config: string, into = target) => cli(['backup', '--config', configs[config]!, '--target', into])
  const restore = (config: string, extra: string[] = [], from = target) =>
    cli(['restore', 'db', config === 'all' ? 'all-databases' : 'shop', '--config', configs[config]!, '--target', from, ...extra])

  /** Runs SQL as root (in `database`, or none) in the service's container. */
  async function sql(statements: string, database = 'shop', user = 'root', password = ROOT_PASSWORD) {
    const args = ['mariadb', '--default-character-set=utf8mb4', '-N', '-B', `-u${user}`, ...(database ? [database] : [])]
    return (await project.exec('db', args, {env: {MYSQL_PWD: password}, input: statements})).stdout
  }
  const snapshot = (database = 'shop') => sql(SNAPSHOT, database)
  const databases = async () => (await sql('SHOW DATABASES', '')).split('\n')

  before(async function () {
    this.timeout(300_000)
    await requireEngine()
    await requireImages(TEST_IMAGES.mariadb)
    await cleanupTestResources()
    work = await mkdtemp(path.join(os.tmpdir(), 'bb-mysql-restore-'))
    target = path.join(work, 'backups')
    dataDir = path.join(work, 'data-dir')
    for (const [name, config] of Object.entries({shopuser: SHOPUSER_CONFIG, root: ROOT_CONFIG, all: ALL_CONFIG})) {
      configs[name] = path.join(work, `${name}.json`)
      await writeFile(configs[name]!, JSON.stringify(config))
    }
    project = await startComposeProject(fixture)
    await project.waitForExec('db', ['mariadb', '-uroot', 'shop', '-e', 'SELECT 1'], {env: {MYSQL_PWD: ROOT_PASSWORD}})
    // As the application: its user is the definer of the trigger and routine, so it can dump them.
    await sql(SCHEMA, 'shop', 'shopuser', USER_PASSWORD)

    rowsBefore = await snapshot()
    const first = await backup('shopuser')
    expect(first.exitCode, first.stderr).to.equal(0)
    await sql("INSERT INTO customers VALUES (5, 'Ελληνικά', 'inserted between the backups', 99999999.99)")
    rowsAfter = await snapshot()
    const second = await backup('shopuser')
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
      await sql('CREATE TABLE scratch (x INT); INSERT INTO scratch VALUES (42)')
      const before = await snapshot()
      const result = await restore('shopuser')
      expect(result.exitCode, result.stderr).to.equal(1)
      expect(result.json.ok).to.equal(false)
      expect(result.json.items[0]).to.include({service: 'db', scheme: 'backup_mysql', item: 'shop', version: 1, status: 'failed'})
      expect(result.json.items[0].error).to.contain('database shop').and.to.contain('not empty').and.to.contain('--force')
      expect(await snapshot()).to.equal(before)
      expect(result.stdout + result.stderr).not.to.contain(USER_PASSWORD)
    })

    it('--dry-run --force says it would replace the database, and changes nothing', async function () {
      this.timeout(120_000)
      const before = await snapshot()
      const result = await restore('shopuser', ['--dry-run', '--force'])
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.items[0]).to.include({item: 'shop', destination: 'database shop', replaced: true, status: 'ok'})
      expect(result.json.items[0].stopped).to.deep.equal([])
      expect(await snapshot()).to.equal(before)
    })

    it('--force replaces it exactly (a dropped table is back, tables absent from the dump are gone) with the service running', async function () {
      this.timeout(120_000)
      const id = await project.containerId('db')
      const startedBefore = (await docker().getContainer(id).inspect()).State.StartedAt
      await sql('DROP TABLE customers; DELETE FROM audit')
      const result = await restore('shopuser', ['--force'])
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.items[0]).to.include({item: 'shop', version: 1, destination: 'database shop', replaced: true, status: 'ok'})
      expect(result.json.items[0].file).to.equal(path.join(target, 'db', 'mysql', 'shop', 'shop.1', 'shop.sql.gz'))
      expect(await snapshot()).to.equal(rowsAfter)
      expect(await snapshot()).not.to.contain('scratch')
      const info = await docker().getContainer(id).inspect()
      expect([info.State.Running, info.State.StartedAt]).to.deep.equal([true, startedBefore])
      // The trigger works again after the restore.
      await sql("INSERT INTO customers VALUES (6, 'after', NULL, NULL); SELECT customer FROM audit WHERE customer = 6")
      await sql('DELETE FROM customers WHERE id = 6; DELETE FROM audit WHERE customer = 6')
    })

    it('--version 2 brings back the rows before the insert', async function () {
      this.timeout(120_000)
      const result = await restore('shopuser', ['--version', '2', '--force'])
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.items[0]).to.include({version: 2, replaced: true, status: 'ok'})
      expect(await snapshot()).to.equal(rowsBefore)
    })

    it('creates a dropped database again without --force (the application user keeps its grants)', async function () {
      this.timeout(120_000)
      await sql('DROP DATABASE shop', '')
      expect(await databases()).not.to.include('shop')
      const result = await restore('shopuser')
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.items[0]).to.include({destination: 'database shop', replaced: false, status: 'ok'})
      expect(await snapshot()).to.equal(rowsAfter)
    })
  })

  describe('into another database (--to)', function () {
    let rootTarget: string

    before(async function () {
      this.timeout(120_000)
      rootTarget = path.join(work, 'root-backups')
      const result = await backup('root', rootTarget)
      expect(result.exitCode, result.stderr).to.equal(0)
    })

    it('creates and fills the other database and leaves the original untouched', async function () {
      this.timeout(120_000)
      await sql("UPDATE customers SET note = 'changed after the backup' WHERE id = 2")
      const original = await snapshot()
      const result = await restore('root', ['--to', 'shop_copy'], rootTarget)
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.items[0]).to.include({destination: 'database shop_copy', replaced: false, status: 'ok'})
      expect(await snapshot('shop_copy')).to.equal(rowsAfter)
      expect(await snapshot()).to.equal(original)
    })

    it('refuses the other database once it holds tables, unless --force', async function () {
      this.timeout(120_000)
      const refused = await restore('root', ['--to', 'shop_copy'], rootTarget)
      expect(refused.exitCode, refused.stderr).to.equal(1)
      expect(refused.json.items[0].error).to.contain('database shop_copy').and.to.contain('--force')
      const forced = await restore('root', ['--to', 'shop_copy', '--force'], rootTarget)
      expect(forced.exitCode, forced.stderr).to.equal(0)
      expect(forced.json.items[0]).to.include({replaced: true, status: 'ok'})
      expect(await snapshot('shop_copy')).to.equal(rowsAfter)
    })

    it('takes a name with a space, a quote and a semicolon as one identifier', async function () {
      this.timeout(120_000)
      const name = "it's a; copy"
      const result = await restore('root', ['--to', name], rootTarget)
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(await databases()).to.include(name)
      expect(await sql(`SELECT COUNT(*) FROM \`${name}\`.customers`, '')).to.equal('5')
    })

    it('refuses a name with a backtick before touching anything', async function () {
      this.timeout(120_000)
      const before = await databases()
      const result = await restore('root', ['--to', 'bad`name'], rootTarget)
      expect(result.exitCode, result.stderr).to.equal(1)
      expect(result.json.items[0].error).to.contain('backtick')
      expect(await databases()).to.deep.equal(before)
    })
  })

  describe('an all-databases dump', function () {
    let allTarget: string

    before(async function () {
      this.timeout(120_000)
      allTarget = path.join(work, 'all-backups')
      const result = await backup('all', allTarget)
      expect(result.exitCode, result.stderr).to.equal(0)
    })

    it('refuses --to', async function () {
      const result = await restore('all', ['--to', 'elsewhere'], allTarget)
      expect(result.exitCode, result.stderr).to.equal(1)
      expect(result.json.items[0].error).to.contain('--to cannot be used with all-databases')
    })

    it('needs --force on a server with data, then brings back a dropped database as is', async function () {
      this.timeout(120_000)
      const original = await snapshot()
      const refused = await restore('all', [], allTarget)
      expect(refused.exitCode, refused.stderr).to.equal(1)
      expect(refused.json.items[0].error).to.contain('--force')
      await sql('DROP DATABASE shop', '')
      const result = await restore('all', ['--force'], allTarget)
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.items[0]).to.include({destination: 'all databases', replaced: true, status: 'ok'})
      expect(await snapshot()).to.equal(original)
      // The application user still works.
      const asUser = await project.exec('db', ['mariadb', '-N', '-ushopuser', 'shop', '-e', 'SELECT COUNT(*) FROM customers'], {env: {MYSQL_PWD: USER_PASSWORD}})
      expect(asUser.stdout).to.equal('5')
    })
  })

  describe('verify', function () {
    let damaged: string

    before(async function () {
      // A copy of the tree whose newest dump lost its trailer, with a manifest that matches it:
      // only the content check can tell.
      damaged = path.join(work, 'damaged-backups')
      await cp(target, damaged, {recursive: true})
      const version = path.join(damaged, 'db', 'mysql', 'shop', 'shop.1')
      const dump = gunzipSync(await readFile(path.join(version, 'shop.sql.gz'))).toString('utf8')
      const cut = gzipSync(dump.slice(0, dump.lastIndexOf('-- Dump completed')))
      await writeFile(path.join(version, 'shop.sql.gz'), cut)
      const manifest = JSON.parse(await readFile(path.join(version, 'manifest.json'), 'utf8'))
      manifest.sha256 = createHash('sha256').update(cut).digest('hex')
      manifest.bytes = cut.length
      await writeFile(path.join(version, 'manifest.json'), JSON.stringify(manifest, null, 2))
    })

    it('passes every version of good dumps, content check included', async function () {
      this.timeout(120_000)
      const result = await cli(['verify', 'db', '--all', '--target', target])
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.ok).to.equal(true)
      expect(result.json.items.map((i: any) => [i.service, i.folder, i.item, i.version, i.status])).to.deep.equal([
        ['db', 'mysql', 'shop', 1, 'ok'],
        ['db', 'mysql', 'shop', 2, 'ok'],
      ])
      for (const item of result.json.items) expect(item.checks).to.include('content')
    })

    it('fails (exit 1) on a dump without its trailer whose checksum matches', async function () {
      this.timeout(120_000)
      const result = await cli(['verify', 'db', '--all', '--target', damaged])
      expect(result.exitCode, result.stderr).to.equal(1)
      expect(result.json.ok).to.equal(false)
      const [newest, older] = result.json.items
      expect(newest).to.include({item: 'shop', version: 1, status: 'failed'})
      expect(newest.error).to.contain('"-- Dump completed" trailer')
      expect(older).to.include({version: 2, status: 'ok'})
    })

    it('keeps restore from using that dump, even with --force', async function () {
      this.timeout(120_000)
      const before = await snapshot()
      const result = await restore('shopuser', ['--force'], damaged)
      expect(result.exitCode, result.stderr).to.equal(1)
      expect(result.json.items[0].error).to.contain('"-- Dump completed" trailer')
      expect(await snapshot()).to.equal(before)
    })
  })
})
