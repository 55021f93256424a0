// Backups into restic repositories through the built CLI (`--target restic:<repo>`), against the
// real engine, real MariaDB and PostgreSQL services and real restic servers on 127.0.0.1 (local,
// REST, SFTP, S3: test/support/restic-servers.ts): round trips of every scheme and backend, a
// local tree and a repository in one run, two projects writing into one repository at once, the
// faults a repository brings (unreachable, wrong password, none there, a full local disk beside
// it, backupbot killed mid-upload, a dump failing midway), a password that shows nowhere, and
// versions another machine wrote.
//
// Everything shares one set of services and servers: a busybox project (`app`: a host directory
// and a volume; `big`: a volume of a few MB), a second copy of it for the concurrent runs, and
// MariaDB and PostgreSQL services (the postgres plugin installed into an isolated backupbot).
// Each scenario gets its own repository. Every restic call costs most of a second (key
// derivation), so independent round trips run side by side.
import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {execa} from 'execa'

import {type CliResult, runCli, spawnCli} from '../support/cli.js'
import {type ComposeProject, cleanupTestResources, startComposeProject, waitUntil} from '../support/compose.js'
import {DATABASE_ENGINES, type DatabaseEngine, type Item} from '../support/database-engines.js'
import {docker, requireEngine, requireImages, TEST_IMAGES} from '../support/engine.js'
import {diffSnapshots, snapshotTree, type TreeEntry} from '../support/fs-compare.js'
import {installPackedPlugin, isolatedBackupbot} from '../support/plugin-install.js'
import {freePort} from '../support/ports.js'
import {processEnded, processStat, type ProcessEntry, procEntries} from '../support/processes.js'
import {requireCapability} from '../support/requires.js'
import {REST_HTTP_AUTH, type ResticRepository, localResticRepository, requireResticBackends, resticRepository, restResticRepository} from '../support/restic-servers.js'
import {fillSampleTree} from '../support/sample-tree.js'

const FIXTURE = fileURLToPath(new URL('../fixtures/restic-project', import.meta.url))
const MARIADB = DATABASE_ENGINES.find((e) => e.kind === 'mysql')!
const POSTGRES = DATABASE_ENGINES.find((e) => e.kind === 'postgres')!

/** Passwords that must show nowhere: a plain substring search finds them. */
const PASSWORD = `Bbtest-Restic-Pw-${randomBytes(6).toString('hex')}`
const WRONG_PASSWORD = `Bbtest-Wrong-Pw-${randomBytes(6).toString('hex')}`

// Runs in a throw-away container: the engine creates the files, as a service would.
const FILL_APPDATA = `set -e
cd /fill
mkdir -p nested/deeper 'dir with spaces'
printf 'spaces are fine\\n' > 'a file with spaces.txt'
printf 'only the owner reads this\\n' > secret.key && chmod 600 secret.key
printf 'someone else owns this\\n' > nested/deeper/owned-by-1234.txt && chown 1234:4321 nested/deeper/owned-by-1234.txt
ln -s '../a file with spaces.txt' nested/link-to-spaces
dd if=/dev/urandom of=nested/blob.bin bs=1k count=64 2>/dev/null
touch -d '2020-01-02 03:04:05' 'a file with spaces.txt'
chmod 750 nested`
// Incompressible and bigger than the 512 KiB disk below, yet quick.
const FILL_BIGDATA = `set -e
cd /fill
dd if=/dev/urandom of=random.bin bs=1M count=3 2>/dev/null
seq 1 20000 > numbers.txt`

// MariaDB: a table of about 1 MB, then a view whose table is gone. mariadb-dump writes the table,
// then fails on the view (SHOW TABLES order): a dump that fails midway, after its data flowed.
const BROKEN_DATABASE = `CREATE DATABASE broken;
USE broken;
CREATE TABLE bulk (id INT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(200)) ENGINE=InnoDB;
INSERT INTO bulk (payload) SELECT REPEAT(MD5(seq), 6) FROM seq_1_to_5000;
CREATE TABLE gone (x INT);
CREATE VIEW zz_broken AS SELECT x FROM gone;
DROP TABLE gone;`

/** A backupbot --json run. */
interface Run extends CliResult {
  json: any
}

interface ListedItem {
  host?: string
  project?: string
  service: string
  folder: string
  item: string
  versions: Array<{number: number; snapshot?: string; file?: string; sha256?: string; error?: string}>
}

interface Snapshot {
  id: string
  short_id: string
  hostname: string
  tags?: string[] | null
}

describe('restic targets through the CLI', function () {
  this.timeout(180_000)
  let work: string
  /** An isolated backupbot (its own data dir and restart journal), with the postgres plugin installed. */
  let cliEnv: Record<string, string>
  let files: ComposeProject
  let twin: ComposeProject
  let mariadb: ComposeProject
  let postgres: ComposeProject
  /** A scheme config that backs up only app's host directory (quick: it stops nothing). */
  let hostDirOnly: string

  const data = () => path.join(files.dir, 'data')
  const dataTree = () => snapshotTree(data(), {includeRoot: true})
  const volume = (project: ComposeProject, name: string) => `${project.name}_${name}`
  const restic = (repo: ResticRepository) => `restic:${repo.repository}`

  /** `backupbot <args> --json` in the project's directory, with the repository's environment (restic's password, cache, options). */
  async function bb(project: ComposeProject, args: string[], repo?: ResticRepository, env: Record<string, string | undefined> = {}): Promise<Run> {
    const result = await runCli([...args, '--json'], {cwd: project.dir, env: {...cliEnv, ...(repo ? resticEnv(repo) : {}), ...env}, reject: false})
    return {...result, json: parseJson(result.stdout)}
  }

  /** Like bb(), and it must exit 0. */
  async function ok(project: ComposeProject, args: string[], repo?: ResticRepository, env: Record<string, string | undefined> = {}): Promise<Run> {
    const run = await bb(project, args, repo, env)
    expect(run.exitCode, `backupbot ${args.join(' ')}\n${run.stdout}\n${run.stderr}`).to.equal(0)
    return run
  }

  async function listed(where: string, repo?: ResticRepository, extra: string[] = []): Promise<ListedItem[]> {
    return (await ok(files, ['list-versions', '--target', where, ...extra], repo)).json.items
  }

  async function configFile(config: Record<string, Item[]>): Promise<string> {
    const file = path.join(work, `config-${randomBytes(3).toString('hex')}.json`)
    await writeFile(file, JSON.stringify(config, null, 2))
    return file
  }

  async function volumeTree(project: ComposeProject, name: string): Promise<TreeEntry[]> {
    return snapshotTree((await docker().getVolume(volume(project, name)).inspect()).Mountpoint, {includeRoot: true})
  }

  async function inVolume(project: ComposeProject, name: string, script: string): Promise<void> {
    await execa('docker', ['run', '--rm', '--label', 'backupbot.test=1', '--network', 'none', '-v', `${volume(project, name)}:/fill`, TEST_IMAGES.busybox, 'sh', '-c', script])
  }

  async function container(service: string, project = files): Promise<{id: string; running: boolean; startedAt: string}> {
    const id = await project.containerId(service)
    const info = await docker().getContainer(id).inspect()
    return {id, running: info.State.Running, startedAt: info.State.StartedAt}
  }

  async function startFilesProject(): Promise<ComposeProject> {
    const project = await startComposeProject(FIXTURE, {prepare: (dir) => fillSampleTree(path.join(dir, 'data'))})
    await inVolume(project, 'appdata', FILL_APPDATA)
    await inVolume(project, 'bigdata', FILL_BIGDATA)
    return project
  }

  async function startDatabase(engine: DatabaseEngine): Promise<ComposeProject> {
    const project = await startComposeProject(engine.fixture)
    await engine.ready(project)
    await engine.appSql(project, engine.schema)
    return project
  }

  before(async function () {
    this.timeout(300_000)
    requireResticBackends(this)
    await requireEngine()
    await requireImages(TEST_IMAGES.busybox, MARIADB.image, POSTGRES.image)
    await cleanupTestResources()
    work = await mkdtemp(path.join(os.tmpdir(), 'bb-restic-cli-'))
    cliEnv = {...(await isolatedBackupbot(work)), BACKUPBOT_HELPER_IMAGE: TEST_IMAGES.busybox}
    const started = await Promise.allSettled([
      startFilesProject(),
      startFilesProject(),
      startDatabase(MARIADB),
      startDatabase(POSTGRES),
      installPackedPlugin(POSTGRES.plugin!.dir, work, cliEnv),
    ])
    ;[files, twin, mariadb, postgres] = started.slice(0, 4).map((s) => (s.status === 'fulfilled' ? (s.value as ComposeProject) : undefined!))
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failed) throw failed.reason
    hostDirOnly = await configFile({app: [{type: 'backup_host_directories'}]})
  })

  after(async function () {
    this.timeout(120_000)
    await Promise.allSettled([files, twin, mariadb, postgres].map((p) => p?.down()))
    await cleanupTestResources()
    if (work) await rm(work, {recursive: true, force: true})
  })

  describe('round trip of a host directory and a volume through a local repository', function () {
    let repo: ResticRepository
    let backup: Run
    let hostTree: TreeEntry[]
    let appdataTree: TreeEntry[]

    before(async function () {
      repo = await localResticRepository()
      hostTree = await dataTree()
      appdataTree = await volumeTree(files, 'appdata')
      backup = await bb(files, ['backup', 'app', '--target', restic(repo)], repo)
    })

    it('backs up both, each as a snapshot of the data as the scheme wrote it', async function () {
      expect(backup.exitCode, backup.stderr).to.equal(0)
      expect(backup.json).to.include({ok: true, target: restic(repo)})
      const items = backup.json.items as Array<Record<string, unknown>>
      expect(items.map((i) => [i.service, i.scheme, i.item, i.status])).to.deep.equal([
        ['app', 'backup_host_directories', 'data', 'ok'],
        ['app', 'backup_volume', 'appdata', 'ok'],
      ])
      // restic gets a plain .tar and compresses and deduplicates it itself.
      expect(items[0]!.file).to.match(new RegExp(`^[0-9a-f]{8}:/${files.name}/app/bind_mounts/data\\.tar$`))
      expect(items[1]!.file).to.match(new RegExp(`^[0-9a-f]{8}:/${files.name}/app/named_volumes/appdata\\.tar$`))
      const ids = (await snapshotsOf(repo)).map((s) => s.short_id)
      for (const item of items) expect(ids).to.include(String(item.file).split(':')[0])
    })

    it('lists both with one version each: the snapshot and checksum of the backup', async function () {
      const items = await listed(restic(repo), repo)
      expect(items.map((i) => [i.project, i.service, i.folder, i.item, i.versions.length])).to.deep.equal([
        [files.name, 'app', 'bind_mounts', 'data', 1],
        [files.name, 'app', 'named_volumes', 'appdata', 1],
      ])
      for (const [i, item] of items.entries()) {
        expect(item.versions[0]).to.include({number: 1, sha256: backup.json.items[i].sha256, file: backup.json.items[i].file})
        expect(item.versions[0]!.error).to.equal(undefined)
      }
    })

    it('verifies both after restic check --read-data', async function () {
      const result = await ok(files, ['verify', '--target', restic(repo), '--read-data'], repo)
      expect(result.json.ok).to.equal(true)
      expect(result.json.store).to.deep.equal({status: 'ok', checks: ['restic check --read-data']})
      expect(result.json.items.map((i: any) => [i.item, i.version, i.status])).to.deep.equal([
        ['data', 1, 'ok'],
        ['appdata', 1, 'ok'],
      ])
      for (const item of result.json.items) expect(item.checks).to.include.members(['sha256', 'tar'])
    })

    it('puts the changed host directory back byte-identical', async function () {
      await writeFile(path.join(data(), 'a file with spaces.txt'), 'changed after the backup\n')
      await writeFile(path.join(data(), 'added after the backup.txt'), 'not in the backup\n')
      await rm(path.join(data(), 'nested', 'deeper'), {recursive: true})
      expect(diffSnapshots(await dataTree(), hostTree)).to.have.length.above(0)
      const result = await ok(files, ['restore', 'app', 'data', '--force', '--target', restic(repo)], repo)
      expect(result.json.items[0]).to.include({item: 'data', version: 1, replaced: true, status: 'ok', file: backup.json.items[0].file})
      expect(diffSnapshots(await dataTree(), hostTree)).to.deep.equal([])
      expect((await container('app')).running).to.equal(true)
    })

    it('puts the changed volume back byte-identical, and its service runs again', async function () {
      await inVolume(files, 'appdata', "rm -r /fill/nested && echo changed > '/fill/a file with spaces.txt' && echo new > /fill/new.txt")
      expect(diffSnapshots(await volumeTree(files, 'appdata'), appdataTree)).to.have.length.above(0)
      const result = await ok(files, ['restore', 'app', 'appdata', '--force', '--target', restic(repo)], repo)
      expect(result.json.items[0]).to.include({item: 'appdata', version: 1, replaced: true, status: 'ok', file: backup.json.items[1].file})
      expect(diffSnapshots(await volumeTree(files, 'appdata'), appdataTree)).to.deep.equal([])
      expect((await container('app')).running).to.equal(true)
    })
  })

  describe('round trips side by side: a dump of each database into a local repository, a host directory through REST, SFTP and S3', function () {
    const trips = new Map<string, Promise<void>>()

    /** Backup, list-versions, verify, change, restore: the rows are back. */
    async function dumpRoundTrip(engine: DatabaseEngine, project: ComposeProject): Promise<void> {
      const repo = await localResticRepository()
      const sql = async (input: string) => (await engine.adminSql(project, input)).stdout
      const rows = await sql(engine.snapshot)
      for (const text of engine.snapshotShows.texts) expect(rows).to.contain(text)
      const config = await configFile({db: [{type: engine.scheme, ...engine.appItem}]})

      const backup = await ok(project, ['backup', '--config', config, '--target', restic(repo)], repo)
      expect(backup.json.items[0]).to.include({service: 'db', scheme: engine.scheme, item: 'shop', status: 'ok'})
      expect(backup.json.items[0].file).to.match(new RegExp(`^[0-9a-f]{8}:/${project.name}/db/${engine.folder}/shop\\.sql$`))
      const items = (await ok(project, ['list-versions', '--target', restic(repo)], repo)).json.items as ListedItem[]
      expect(items.map((i) => [i.service, i.folder, i.item, i.versions.length, i.versions[0]!.sha256])).to.deep.equal([
        ['db', engine.folder, 'shop', 1, backup.json.items[0].sha256],
      ])
      const verify = await ok(project, ['verify', '--target', restic(repo)], repo)
      expect(verify.json.store).to.deep.equal({status: 'ok', checks: ['restic check']})
      // `content`: the dump ends with its tool's trailer.
      expect(verify.json.items.map((i: any) => [i.item, i.status, i.checks.includes('content')])).to.deep.equal([['shop', 'ok', true]])

      await sql(engine.dropCustomers)
      expect(await engine.adminSql(project, engine.snapshot).then(() => 'still there', () => 'gone')).to.equal('gone')
      const restore = await ok(project, ['restore', 'db', 'shop', '--force', '--config', config, '--target', restic(repo)], repo)
      expect(restore.json.items[0]).to.include({destination: 'database shop', replaced: true, status: 'ok'})
      expect(await sql(engine.snapshot)).to.equal(rows)
    }

    /** The same with app's host directory on a remote backend, restored --to a folder of its own (the round trips run at once). */
    async function hostDirRoundTrip(backend: 'rest' | 'sftp' | 's3', tree: TreeEntry[]): Promise<void> {
      const repo = await resticRepository(backend)
      const backup = await ok(files, ['backup', 'app', '--config', hostDirOnly, '--target', restic(repo)], repo)
      expect(backup.json.items.map((i: any) => [i.item, i.status])).to.deep.equal([['data', 'ok']])
      expect(backup.json.items[0].file).to.match(new RegExp(`^[0-9a-f]{8}:/${files.name}/app/bind_mounts/data\\.tar$`))
      const items = await listed(restic(repo), repo)
      expect(items.map((i) => [i.item, i.versions.length, i.versions[0]!.sha256])).to.deep.equal([['data', 1, backup.json.items[0].sha256]])
      const verify = await ok(files, ['verify', '--target', restic(repo)], repo)
      expect(verify.json.store).to.deep.equal({status: 'ok', checks: ['restic check']})
      expect(verify.json.items.map((i: any) => [i.item, i.status])).to.deep.equal([['data', 'ok']])

      const to = path.join(work, `restored-from-${backend}`)
      const restore = await ok(files, ['restore', 'app', 'data', '--to', to, '--target', restic(repo)], repo)
      expect(restore.json.items[0]).to.include({destination: to, replaced: false, status: 'ok', file: backup.json.items[0].file})
      expect(diffSnapshots(await snapshotTree(to, {includeRoot: true}), tree)).to.deep.equal([])
    }

    before(async function () {
      const tree = await dataTree()
      trips.set(MARIADB.scheme, dumpRoundTrip(MARIADB, mariadb))
      trips.set(POSTGRES.scheme, dumpRoundTrip(POSTGRES, postgres))
      for (const backend of ['rest', 'sftp', 's3'] as const) trips.set(backend, hostDirRoundTrip(backend, tree))
      // Each is awaited (and reported) by its own test.
      for (const trip of trips.values()) trip.catch(() => {})
    })

    for (const engine of [MARIADB, POSTGRES]) {
      it(`${engine.scheme}: a dump of ${engine.server} is listed and verified, and brings the dropped rows back`, async function () {
        await trips.get(engine.scheme)
      })
    }

    for (const backend of ['rest', 'sftp', 's3']) {
      it(`${backend}: a host directory is listed, verified and restored byte-identical`, async function () {
        await trips.get(backend)
      })
    }
  })

  describe('a local tree and a repository in one run', function () {
    let repo: ResticRepository
    let local: string
    let run: Run
    let appdataTree: TreeEntry[]
    let events: string[]

    before(async function () {
      repo = await localResticRepository()
      local = path.join(work, 'both-local')
      appdataTree = await volumeTree(files, 'appdata')
      const {id} = await container('app')
      const since = Date.now() / 1000
      run = await bb(files, ['backup', 'app', '--target', local, '--target', restic(repo)], repo)
      events = await containerEvents(id, since)
    })

    it('writes every item to both, each store ok in `stores`', function () {
      expect(run.exitCode, run.stderr).to.equal(0)
      expect(run.json.targets).to.deep.equal([local, restic(repo)])
      const both = [
        [local, 'ok'],
        [restic(repo), 'ok'],
      ]
      expect(outcomes(run)).to.deep.equal([
        ['data', 'ok', both],
        ['appdata', 'ok', both],
      ])
      for (const item of run.json.items) {
        // The local tree gets it compressed; restic as it is.
        expect(item.stores[0].file).to.match(/\.tar\.gz$/)
        expect(item.stores[1].file).to.match(/^[0-9a-f]{8}:\/.*\.tar$/)
      }
    })

    it('reads the volume once: its service was stopped and started once', async function () {
      expect(events, 'die and start events of app').to.deep.equal(['die', 'start'])
      expect((await container('app')).running).to.equal(true)
    })

    it('restores the volume from each store', async function () {
      for (const where of [local, restic(repo)]) {
        await inVolume(files, 'appdata', `rm -r /fill/* && echo "not from ${where}" > /fill/other.txt`)
        const result = await ok(files, ['restore', 'app', 'appdata', '--force', '--target', where], repo)
        expect(result.json.items[0]).to.include({item: 'appdata', status: 'ok'})
        expect(diffSnapshots(await volumeTree(files, 'appdata'), appdataTree), where).to.deep.equal([])
      }
    })
  })

  describe('two projects, one repository', function () {
    it('two backups at the same time both succeed, every item is listed, and restic check is clean after', async function () {
      const repo = await localResticRepository()
      const runs = await Promise.all([files, twin].map((project) => bb(project, ['backup', 'app', '--target', restic(repo)], repo)))
      for (const run of runs) {
        expect(run.exitCode, run.stderr).to.equal(0)
        expect(run.json.items.map((i: any) => i.status)).to.deep.equal(['ok', 'ok'])
      }
      const items = await listed(restic(repo), repo)
      expect(items.map((i) => [i.project, i.item, i.versions.length])).to.have.deep.members([
        [files.name, 'data', 1],
        [files.name, 'appdata', 1],
        [twin.name, 'data', 1],
        [twin.name, 'appdata', 1],
      ])
      expect((await repo.restic(['check'])).stdout).to.contain('no errors were found')
    })
  })

  describe('faults', function () {
    /** restic's environment for a repository of no test bed: the password that must show nowhere. */
    const passwordOnly = () => ({RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: path.join(work, 'restic-cache')})

    it('an unreachable repository beside a local tree: exit 1, the local tree has every new version, the repository part failed', async function () {
      // Nothing listens there: connection refused.
      const unreachable = `restic:rest:http://127.0.0.1:${await freePort()}/repo/`
      const local = path.join(work, 'unreachable-local')
      const before = await container('app')
      const run = await bb(files, ['backup', 'app', '--target', local, '--target', unreachable, '--verbose'], undefined, passwordOnly())
      expect(run.exitCode, run.stderr).to.equal(1)
      expect(run.json.ok).to.equal(false)
      const localOnly = [
        [local, 'ok'],
        [unreachable, 'failed'],
      ]
      expect(outcomes(run)).to.deep.equal([
        ['data', 'failed', localOnly],
        ['appdata', 'failed', localOnly],
      ])
      for (const item of run.json.items) expect(item.stores[1].error).to.contain('connection refused')
      expect(run.stderr).to.contain(`${unreachable} cannot be reached`)
      const items = await listed(local)
      expect(items.map((i) => [i.item, i.versions.length, i.versions[0]!.sha256])).to.deep.equal(run.json.items.map((i: any) => [i.item, 1, i.stores[0].sha256]))
      // The volume was read for the local tree: its service was stopped, and runs again.
      const after = await container('app')
      expect(after.running).to.equal(true)
      expect(after.startedAt).not.to.equal(before.startedAt)
      expect(run.stdout + run.stderr).not.to.contain(PASSWORD)
    })

    it('a wrong password: exit 2 before anything is touched (no local version, no container stopped, no snapshot)', async function () {
      const repo = await localResticRepository()
      const local = path.join(work, 'wrong-password-local')
      const before = await container('app')
      const run = await bb(files, ['backup', 'app', '--target', local, '--target', restic(repo), '--verbose'], repo, {RESTIC_PASSWORD: WRONG_PASSWORD})
      expect(run.exitCode, run.stderr).to.equal(2)
      expect(run.json.error).to.include({exitCode: 2})
      expect(run.json.error.message).to.contain(`wrong password for the restic repository ${repo.repository}`)
      expect(await filesUnder(local)).to.deep.equal([])
      expect(await container('app')).to.deep.equal(before)
      expect(await snapshotsOf(repo)).to.deep.equal([])
      expect(await listed(restic(repo), repo)).to.deep.equal([])
      expect(run.stdout + run.stderr).not.to.contain(WRONG_PASSWORD)
    })

    it('a missing repository: exit 2 with the `restic init` to run, nothing touched', async function () {
      const missing = path.join(work, 'no-repository-here')
      const before = await container('app')
      const run = await bb(files, ['backup', 'app', '--target', `restic:${missing}`], undefined, passwordOnly())
      expect(run.exitCode, run.stderr).to.equal(2)
      expect(run.json.error.message).to.contain(`there is no restic repository at ${missing}`)
      expect(run.json.error.suggestions.join('\n')).to.contain('restic init')
      expect(existsSync(missing)).to.equal(false)
      expect(await container('app')).to.deep.equal(before)
    })

    it('a dump that fails midway: the item fails, and the repository has no snapshot of its run at all', async function () {
      const repo = await localResticRepository()
      await MARIADB.adminSql(mariadb, BROKEN_DATABASE, MARIADB.serverDatabase)
      // It does fail midway: the tool, run as the scheme runs it, writes the table, then stops at the view.
      const dump = await mariadb.execBuffer('db', ['sh', '-c', 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" exec mariadb-dump --single-transaction -uroot broken'], {reject: false})
      expect(dump.exitCode).not.to.equal(0)
      expect(dump.stdout.length).to.be.above(500_000)
      expect(dump.stdout.toString('utf8')).to.contain('INSERT INTO `bulk`')
      expect(dump.stderr).to.contain('zz_broken')

      const config = await configFile({db: [{type: MARIADB.scheme, database: 'broken', user: 'root', password: 'db.environment.MYSQL_ROOT_PASSWORD'}]})
      const run = await bb(mariadb, ['backup', '--config', config, '--target', restic(repo)], repo)
      expect(run.exitCode, run.stderr).to.equal(1)
      expect(run.json.items[0]).to.include({item: 'broken', status: 'failed'})
      expect(run.json.items[0].error).to.match(MARIADB.dumpFailed).and.to.contain('zz_broken')
      // restic was stopped before its input ended: no snapshot, and no lock left behind.
      expect(await snapshotsOf(repo)).to.deep.equal([])
      expect((await repo.restic(['list', 'locks'])).stdout.trim()).to.equal('')
      expect(await listed(restic(repo), repo)).to.deep.equal([])
      expect((await container('db', mariadb)).running).to.equal(true)
    })

    describe('big into one repository: beside a full local disk, then killed mid-upload', function () {
      let repo: ResticRepository
      let disk: string | undefined
      let bigTree: TreeEntry[]
      let full: Run

      before(async function () {
        requireCapability(this, process.getuid?.() === 0, 'mounting a tmpfs needs root')
        repo = await localResticRepository()
        bigTree = await volumeTree(files, 'bigdata')
        const dir = path.join(work, 'small-disk')
        await mkdir(dir)
        await execa('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', dir])
        disk = dir
        full = await bb(files, ['backup', 'big', '--target', disk, '--target', restic(repo)], repo)
      })

      after(async function () {
        if (disk) await execa('umount', [disk])
      })

      it('a full local disk: exit 1, no version nor temporary file left on it, the repository has the version', async function () {
        expect(full.exitCode, full.stderr).to.equal(1)
        const [item] = full.json.items
        expect(outcomes(full)).to.deep.equal([
          [
            'bigdata',
            'failed',
            [
              [disk, 'failed'],
              [restic(repo), 'ok'],
            ],
          ],
        ])
        expect(item.stores[0].error).to.match(/ENOSPC|no space left/i)
        expect(await filesUnder(disk!)).to.deep.equal([])
        expect((await listed(disk!)).flatMap((i) => i.versions)).to.deep.equal([])
        const items = await listed(restic(repo), repo)
        expect(items.map((i) => [i.item, i.versions.length, i.versions[0]!.sha256])).to.deep.equal([['bigdata', 1, item.stores[1].sha256]])
        expect((await container('big')).running).to.equal(true)
      })

      it('that version verifies and restores byte-identical', async function () {
        const verify = await ok(files, ['verify', '--target', restic(repo)], repo)
        expect(verify.json.items.map((i: any) => [i.item, i.status])).to.deep.equal([['bigdata', 'ok']])
        await inVolume(files, 'bigdata', 'rm -r /fill/* && echo other > /fill/other.txt')
        await ok(files, ['restore', 'big', 'bigdata', '--force', '--target', restic(repo)], repo)
        expect(diffSnapshots(await volumeTree(files, 'bigdata'), bigTree)).to.deep.equal([])
      })

      it('SIGKILL while restic is writing: no new version; the next backup starts the container again, clears what the killed run left, and restic check is clean', async function () {
        const listedBefore = await listed(restic(repo), repo)
        const before = await snapshotsOf(repo)
        const big = await container('big')
        const events = (await docker().getEvents({filters: {container: [big.id], event: ['die']}})) as NodeJS.ReadableStream & {destroy(): void}
        const died = new Promise((resolve) => events.once('data', resolve))
        // --no-spool: restic then takes the data while the service is stopped, the harder case to
        // recover from (with the spool, restic starts only once the service runs again).
        const child = spawnCli(['backup', 'big', '--no-spool', '--target', restic(repo)], {cwd: files.dir, env: {...cliEnv, ...resticEnv(repo)}})
        try {
          // backupbot starts restic first, then stops the service and reads its volume into it.
          await Promise.race([died, child.then((r) => Promise.reject(new Error(`backupbot ended before it stopped big: ${r.stderr}`)))])
        } finally {
          events.destroy()
        }
        const writers = await resticChildren(child.pid!)
        child.kill('SIGKILL')
        expect((await child).signal).to.equal('SIGKILL')
        expect(writers.map((w) => w.cmdline.slice(1, 3)), 'restic children when killed').to.deep.equal([['backup', '--stdin']])
        // restic is not killed with it: it dies at its next line of output (its pipes are gone),
        // leaving its lock; or, had it just seen the end of its input, after saving what it got.
        await waitUntil(async () => processEnded(writers[0]!.pid), {timeoutMs: 30_000, intervalMs: 100, what: 'the restic backupbot started to end'})
        expect((await container('big')).running, 'big left stopped').to.equal(false)
        expect(await listed(restic(repo), repo)).to.deep.equal(listedBefore)
        const leftovers = (await snapshotsOf(repo)).filter((s) => !before.some((b) => b.id === s.id))
        for (const snapshot of leftovers) expect(snapshot.tags, 'a snapshot of the killed run').to.include('bb-kind=data')

        // With a short lock wait: a lock left behind must not make it wait (and fail).
        const next = await ok(files, ['backup', 'big', '--keep', '1', '--target', restic(repo)], repo, {BACKUPBOT_RESTIC_LOCK_WAIT: '20'})
        const [{Names: names}] = await files.containers('big')
        expect(next.json.recovery.started).to.deep.equal([names[0]!.replace(/^\//, '')])
        expect((await container('big')).running).to.equal(true)
        expect(next.json.items[0]).to.include({item: 'bigdata', status: 'ok'})
        expect(next.json.items[0].removed).to.have.length(1)
        const items = await listed(restic(repo), repo)
        expect(items.map((i) => [i.item, i.versions.length, i.versions[0]!.sha256])).to.deep.equal([['bigdata', 1, next.json.items[0].sha256]])
        // Only the new version's two snapshots: the older version's and the killed run's are forgotten.
        const after = await snapshotsOf(repo)
        expect(after.map((s) => readTag(s, 'kind')).sort()).to.deep.equal(['data', 'manifest'])
        expect(new Set(after.map((s) => readTag(s, 'write'))).size).to.equal(1)
        expect((await repo.restic(['list', 'locks'])).stdout.trim()).to.equal('')
        expect((await repo.restic(['check'])).stdout).to.contain('no errors were found')
      })
    })
  })

  describe('the password shows nowhere', function () {
    /** Every process's command line while `child` runs: those that hold a secret, and the restic ones. */
    async function sampleCommandLines(child: Promise<unknown>, secrets: string[], ignore: (cmdline: string[]) => boolean = () => false) {
      const leaks = new Set<string>()
      const restics: string[][] = []
      let done = false
      void child.finally(() => (done = true)).catch(() => {})
      while (!done) {
        for (const {cmdline} of await procEntries()) {
          const line = cmdline.join(' ')
          if (secrets.some((secret) => line.includes(secret)) && !ignore(cmdline)) leaks.add(line)
          if (path.basename(cmdline[0] ?? '') === 'restic') restics.push(cmdline)
        }
      }
      return {leaks: [...leaks], restics}
    }

    it('not in any command line during a backup, nor in its stdout (--json) or stderr (--verbose)', async function () {
      const repo = await localResticRepository({password: PASSWORD})
      expect(repo.env.RESTIC_PASSWORD).to.equal(PASSWORD)
      const child = spawnCli(['backup', 'app', '--target', restic(repo), '--json', '--verbose'], {cwd: files.dir, env: {...cliEnv, ...resticEnv(repo)}})
      const {leaks, restics} = await sampleCommandLines(child, [PASSWORD])
      const result = await child
      expect(result.exitCode, String(result.stderr)).to.equal(0)
      expect(leaks, 'command lines with the password').to.deep.equal([])
      // The sampling saw restic at work: it looked at the right processes.
      expect(restics.some((cmdline) => cmdline.includes('backup') && cmdline.includes('--stdin')), 'a restic backup was seen').to.equal(true)
      expect(JSON.parse(String(result.stdout)).ok).to.equal(true)
      expect(String(result.stderr)).to.contain('app: named_volumes/appdata')
      expect(String(result.stdout) + String(result.stderr)).not.to.contain(PASSWORD)
    })

    it("a rest: URL's password is masked in stdout and stderr, also when the server refuses it, and is on no command line of backupbot or restic", async function () {
      const repo = await restResticRepository({httpAuth: true})
      const encoded = encodeURIComponent(REST_HTTP_AUTH.password)
      expect(repo.repository).to.contain(`:${encoded}@`)
      const shown = `restic:${repo.repository.replace(`:${encoded}@`, ':***@')}`
      const wrongPassword = `Wrong-Url-Pw-${randomBytes(4).toString('hex')}`
      const secrets = [REST_HTTP_AUTH.password, encoded, wrongPassword]
      // The repository from BACKUPBOT_TARGET: a URL with a password is on no command line then
      // (but the test server's own: rclone serve restic --pass).
      const env = {...cliEnv, ...resticEnv(repo), BACKUPBOT_TARGET: restic(repo)}
      const child = spawnCli(['backup', 'app', '--config', hostDirOnly, '--json', '--verbose'], {cwd: files.dir, env})
      const {leaks} = await sampleCommandLines(child, secrets, (cmdline) => path.basename(cmdline[0] ?? '') === 'rclone')
      const result = await child
      expect(result.exitCode, String(result.stderr)).to.equal(0)
      expect(leaks, 'command lines with the password').to.deep.equal([])
      const json = JSON.parse(String(result.stdout))
      expect(json.target).to.equal(shown)
      expect(json.items[0]).to.include({item: 'data', status: 'ok'})

      const refused = await bb(files, ['backup', 'app', '--config', hostDirOnly, '--verbose'], repo, {BACKUPBOT_TARGET: restic(repo).replace(`:${encoded}@`, `:${wrongPassword}@`)})
      expect(refused.exitCode, refused.stderr).to.equal(2)
      expect(refused.json.error.message).to.contain(`the restic repository ${shown.slice('restic:'.length)} refused the credentials`)
      for (const text of [String(result.stdout), String(result.stderr), refused.stdout, refused.stderr]) {
        for (const secret of secrets) expect(text).not.to.contain(secret)
      }
    })
  })

  describe("versions another machine wrote (BACKUPBOT_HOSTNAME=other)", function () {
    let repo: ResticRepository
    let otherTree: TreeEntry[]
    let other: Run
    let mine: Run
    const marker = () => path.join(data(), 'written-on-other.txt')

    before(async function () {
      repo = await localResticRepository()
      await writeFile(marker(), 'only the other machine backed this up\n')
      otherTree = await dataTree()
      other = await ok(files, ['backup', 'app', '--config', hostDirOnly, '--target', restic(repo)], repo, {BACKUPBOT_HOSTNAME: 'other'})
      await rm(marker())
      mine = await ok(files, ['backup', 'app', '--config', hostDirOnly, '--target', restic(repo)], repo)
    })

    it("list-versions shows this machine's items only; --all-hosts the other's too", async function () {
      const listedMine = await listed(restic(repo), repo)
      expect(listedMine.map((i) => [i.host, i.item, i.versions.length, i.versions[0]!.sha256])).to.deep.equal([[os.hostname(), 'data', 1, mine.json.items[0].sha256]])
      const all = await listed(restic(repo), repo, ['--all-hosts'])
      expect(all.map((i) => [i.host, i.item, i.versions.length, i.versions[0]!.sha256])).to.have.deep.members([
        [os.hostname(), 'data', 1, mine.json.items[0].sha256],
        ['other', 'data', 1, other.json.items[0].sha256],
      ])
    })

    it("restore --host other puts the other machine's version back", async function () {
      const result = await ok(files, ['restore', 'app', 'data', '--force', '--host', 'other', '--target', restic(repo)], repo)
      expect(result.json.items[0]).to.include({item: 'data', status: 'ok', file: other.json.items[0].file})
      expect(diffSnapshots(await dataTree(), otherTree)).to.deep.equal([])
      await rm(marker())
    })
  })
})

/** The environment backupbot needs for a repository: restic's own (password, cache, backend credentials) and its `-o` options. */
function resticEnv(repo: ResticRepository): Record<string, string> {
  const options = repo.options.filter((_, i) => repo.options[i - 1] === '-o')
  return {...repo.env, ...(options.length > 0 ? {BACKUPBOT_RESTIC_OPTIONS: options.join('\n')} : {})}
}

/** Every file (not folder) below `dir`, relative; [] when there is no `dir`. */
async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return []
  const entries = await readdir(dir, {recursive: true, withFileTypes: true})
  return entries.filter((e) => !e.isDirectory()).map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)))
}

/** The restic processes `pid` started that still run. */
async function resticChildren(pid: number): Promise<ProcessEntry[]> {
  const all = (await procEntries()).filter((p) => path.basename(p.cmdline[0] ?? '') === 'restic')
  const stats = await Promise.all(all.map((p) => processStat(p.pid)))
  return all.filter((_, i) => stats[i]?.ppid === pid)
}

/** Each item of a backup with several targets: its name and status, and each store's target and status. */
function outcomes(run: Run): Array<[string, string, string[][]]> {
  return run.json.items.map((i: any) => [i.item, i.status, i.stores.map((s: any) => [s.target, s.status])])
}

/** A `bb-` tag's value. */
function readTag(snapshot: Snapshot, name: string): string | undefined {
  return snapshot.tags?.find((t) => t.startsWith(`bb-${name}=`))?.slice(name.length + 4)
}

async function snapshotsOf(repo: ResticRepository): Promise<Snapshot[]> {
  return JSON.parse((await repo.restic(['snapshots', '--json'])).stdout) ?? []
}

/** The container's die and start events since `since` (seconds), up to now. */
async function containerEvents(id: string, since: number): Promise<string[]> {
  const until = (Date.now() / 1000).toFixed(3)
  const {stdout} = await execa('docker', ['events', '--since', since.toFixed(3), '--until', until, '--filter', `container=${id}`, '--format', '{{.Action}}'])
  return stdout.split('\n').filter((action) => action === 'die' || action === 'start')
}

function parseJson(text: string): any {
  try {
    return JSON.parse(text)
  } catch {
    return {unparsable: text}
  }
}
