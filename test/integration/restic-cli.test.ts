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
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {execa} from 'execa'

import {type CliResult, runCli} from '../support/cli.js'
import {type ComposeProject, cleanupTestResources, startComposeProject} from '../support/compose.js'
import {DATABASE_ENGINES, type DatabaseEngine, type Item} from '../support/database-engines.js'
import {docker, requireEngine, requireImages, TEST_IMAGES} from '../support/engine.js'
import {diffSnapshots, snapshotTree, type TreeEntry} from '../support/fs-compare.js'
import {installPackedPlugin, isolatedBackupbot} from '../support/plugin-install.js'
import {type ResticRepository, localResticRepository, requireResticBackends, resticRepository} from '../support/restic-servers.js'
import {fillSampleTree} from '../support/sample-tree.js'

const FIXTURE = fileURLToPath(new URL('../fixtures/restic-project', import.meta.url))
const MARIADB = DATABASE_ENGINES.find((e) => e.kind === 'mysql')!
const POSTGRES = DATABASE_ENGINES.find((e) => e.kind === 'postgres')!

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
      expect(run.json.items.map((i: any) => [i.item, i.status])).to.deep.equal([
        ['data', 'ok'],
        ['appdata', 'ok'],
      ])
      for (const item of run.json.items) {
        expect(item.stores.map((s: any) => [s.target, s.status])).to.deep.equal([
          [local, 'ok'],
          [restic(repo), 'ok'],
        ])
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

  it('two projects back up into one repository at the same time, and restic check is clean after', async function () {
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

/** The environment backupbot needs for a repository: restic's own (password, cache, backend credentials) and its `-o` options. */
function resticEnv(repo: ResticRepository): Record<string, string> {
  const options = repo.options.filter((_, i) => repo.options[i - 1] === '-o')
  return {...repo.env, ...(options.length > 0 ? {BACKUPBOT_RESTIC_OPTIONS: options.join('\n')} : {})}
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
