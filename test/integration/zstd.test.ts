// zstd compression through the real CLI, for all four schemes against a real engine: a host
// directory (read with its users stopped) and a named volume of one small busybox project, a
// MariaDB and a PostgreSQL service (one container each, shared by the whole file). Each is backed
// up as .zst, read by hand with `zstd -dc`, verified, and restored over changed data. A .zst
// damaged so that its checksum still matches is caught by verify and refused by restore before
// anything is touched.
import {expect} from 'chai'
import {execa} from 'execa'
import {createHash} from 'node:crypto'
import {cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {type CliResult, runCli} from '../support/cli.js'
import {type ComposeProject, cleanupTestResources, startComposeProject} from '../support/compose.js'
import {DATABASE_ENGINES, type DatabaseEngine} from '../support/database-engines.js'
import {docker, requireEngine, requireImages, TEST_IMAGES} from '../support/engine.js'
import {diffSnapshots, snapshotTree, type TreeEntry} from '../support/fs-compare.js'
import {installPackedPlugin, isolatedBackupbot} from '../support/plugin-install.js'

/** A service with a bind-mounted directory and a named volume. */
const FILES_COMPOSE = `services:
  app:
    image: ${TEST_IMAGES.busybox}
    command: ["sh", "-c", "trap 'exit 0' TERM INT; sleep 3600 & wait"]
    volumes:
      - ./site:/srv/site
      - appdata:/var/lib/app
volumes:
  appdata: {}
`

// Runs in a throw-away container: the engine creates the files, as a service would.
const FILL_VOLUME = `set -e
cd /fill
mkdir -p nested/deeper
seq 1 20000 > nested/numbers.txt
printf 'someone else owns this\\n' > nested/deeper/owned.txt && chown 1234:4321 nested/deeper/owned.txt
ln -s ../nested/numbers.txt nested/deeper/link
dd if=/dev/urandom of=blob.bin bs=64k count=4 2>/dev/null
chmod 750 nested && touch -d '2020-01-02 03:04:05' nested/numbers.txt`

const FILES_CONFIG = {
  app: [
    {type: 'backup_host_directories', directories: ['./site'], stop: true},
    {type: 'backup_volume', volumes: ['appdata']},
  ],
}

describe('zstd compression, every scheme through the real CLI', function () {
  this.timeout(180_000)
  let work: string
  let env: Record<string, string>
  let files: ComposeProject
  const databases = new Map<DatabaseEngine, ComposeProject>()

  const cli = async (project: ComposeProject, args: string[]) => {
    const result = await runCli([...args, '--json'], {cwd: project.dir, env, reject: false})
    return {...result, json: parsed(result)}
  }
  const volume = () => `${files.name}_appdata`

  async function configFile(name: string, body: unknown): Promise<string> {
    const file = path.join(work, `${name}.json`)
    await writeFile(file, JSON.stringify(body, null, 2))
    return file
  }

  /** The volume's tree on the (local) engine host. */
  async function volumeTree(): Promise<TreeEntry[]> {
    return snapshotTree((await docker().getVolume(volume()).inspect()).Mountpoint, {includeRoot: true})
  }

  async function inVolume(script: string): Promise<void> {
    await execa('docker', ['run', '--rm', '--label', 'backupbot.test=1', '--network', 'none', '-v', `${volume()}:/fill`, TEST_IMAGES.busybox, 'sh', '-c', script])
  }

  async function startedAt(project: ComposeProject, service: string): Promise<string> {
    const info = await docker().getContainer(await project.containerId(service)).inspect()
    expect(info.State.Running, `${service} runs`).to.equal(true)
    return info.State.StartedAt
  }

  before(async function () {
    this.timeout(300_000)
    await requireEngine()
    await requireImages(TEST_IMAGES.busybox, ...DATABASE_ENGINES.map((e) => e.image))
    await cleanupTestResources()
    work = await mkdtemp(path.join(os.tmpdir(), 'bb-zstd-'))
    env = {...(await isolatedBackupbot(work)), BACKUPBOT_HELPER_IMAGE: TEST_IMAGES.busybox}
    const fixture = path.join(work, 'files-fixture')
    await mkdir(path.join(fixture, 'site', 'css'), {recursive: true})
    await writeFile(path.join(fixture, 'compose.yaml'), FILES_COMPOSE)
    await writeFile(path.join(fixture, 'site', 'index.html'), '<h1>shop</h1>\n'.repeat(2000))
    await writeFile(path.join(fixture, 'site', 'css', 'site.css'), 'body { margin: 0 }\n')
    await symlink('css/site.css', path.join(fixture, 'site', 'style.css'))
    const plugins = DATABASE_ENGINES.filter((e) => e.plugin).map((e) => installPackedPlugin(e.plugin!.dir, work, env))
    const services = DATABASE_ENGINES.map(async (engine) => databases.set(engine, await startDatabase(engine)))
    const results = await Promise.allSettled([...plugins, ...services, startComposeProject(fixture).then((p) => (files = p))])
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
    await inVolume(FILL_VOLUME)
  })

  after(async function () {
    this.timeout(120_000)
    await Promise.allSettled([files?.down(), ...[...databases.values()].map((p) => p.down())])
    await cleanupTestResources()
    if (work) await rm(work, {recursive: true, force: true})
  })

  describe('a host directory and a named volume', function () {
    let target: string
    let config: string
    let site: TreeEntry[]
    let appdata: TreeEntry[]
    const artifact = (folder: string, item: string) => path.join(target, 'app', folder, item, `${item}.1`, `${item}.tar.zst`)

    before(async function () {
      target = path.join(work, 'files-backups')
      config = await configFile('files', FILES_CONFIG)
      site = await snapshotTree(path.join(files.dir, 'site'))
      appdata = await volumeTree()
      const result = await cli(files, ['backup', '--compression', 'zstd', '--config', config, '--target', target])
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.json.items.map((i: any) => i.file)).to.deep.equal([artifact('bind_mounts', 'site'), artifact('named_volumes', 'appdata')])
    })

    it('writes .tar.zst archives that `zstd -dc x.tar.zst | tar -x` unpacks by hand into the source tree', async function () {
      for (const [file, expected] of [
        [artifact('bind_mounts', 'site'), site],
        [artifact('named_volumes', 'appdata'), appdata.filter((e) => e.path !== '.')],
      ] as const) {
        const out = await mkdtemp(path.join(work, 'by-hand-'))
        await execa('bash', ['-c', 'zstd -dc "$0" | tar -x --same-owner --numeric-owner -C "$1"', file, out])
        const [top] = (await execa('ls', [out])).stdout.split('\n')
        expect(diffSnapshots(await snapshotTree(path.join(out, top!)), expected as TreeEntry[])).to.deep.equal([])
      }
    })

    it('passes verify, which reads each zstd stream and every tar entry', async function () {
      const result = await cli(files, ['verify', '--target', target])
      expect(result.exitCode, result.stdout).to.equal(0)
      expect(result.json.items.map((i: any) => [i.item, i.checks])).to.deep.equal([
        ['site', ['sha256', 'zstd', 'tar']],
        ['appdata', ['sha256', 'zstd', 'tar']],
      ])
    })

    it('restores both over changed data, exactly', async function () {
      await writeFile(path.join(files.dir, 'site', 'index.html'), 'defaced\n')
      await writeFile(path.join(files.dir, 'site', 'extra.html'), 'not in the backup\n')
      await inVolume('echo changed > /fill/nested/numbers.txt && rm /fill/blob.bin && touch /fill/extra')
      for (const item of ['site', 'appdata']) {
        const result = await cli(files, ['restore', 'app', item, '--force', '--config', config, '--target', target])
        expect(result.exitCode, result.stderr).to.equal(0)
        expect(result.json.items[0]).to.include({item, replaced: true, status: 'ok'})
      }
      expect(diffSnapshots(await snapshotTree(path.join(files.dir, 'site')), site)).to.deep.equal([])
      expect(diffSnapshots(await volumeTree(), appdata)).to.deep.equal([])
    })

    describe('a damaged .zst whose checksum matches', function () {
      let damaged: string

      before(async function () {
        damaged = path.join(work, 'damaged-backups')
        await cp(target, damaged, {recursive: true})
        const file = path.join(damaged, 'app', 'named_volumes', 'appdata', 'appdata.1', 'appdata.tar.zst')
        const zst = await readFile(file)
        await rewrite(file, zst.subarray(0, zst.length - 100))
      })

      it('is caught by verify (exit 1)', async function () {
        const result = await cli(files, ['verify', '--target', damaged])
        expect(result.exitCode, result.stdout).to.equal(1)
        const [site, appdata] = result.json.items
        expect(site).to.include({item: 'site', status: 'ok'})
        expect(appdata).to.include({item: 'appdata', status: 'failed'})
        expect(appdata.error).to.match(/appdata\.tar\.zst is truncated: its zstd data ends early/)
      })

      it('is refused by restore (exit 1) before anything is touched: no container stopped, the volume as it was', async function () {
        await inVolume('echo after > /fill/after-the-backup')
        const before = {tree: await volumeTree(), started: await startedAt(files, 'app')}
        const result = await cli(files, ['restore', 'app', 'appdata', '--force', '--config', config, '--target', damaged])
        expect(result.exitCode, result.stderr).to.equal(1)
        expect(result.json.items[0]).to.include({item: 'appdata', status: 'failed'})
        expect(result.json.items[0].error).to.contain('is truncated')
        expect(await startedAt(files, 'app')).to.equal(before.started)
        expect(diffSnapshots(await volumeTree(), before.tree)).to.deep.equal([])
      })
    })
  })

  for (const engine of DATABASE_ENGINES) {
    const {scheme, folder} = engine

    describe(`${scheme}: a dump of a running ${engine.server} service`, function () {
      let project: ComposeProject
      let target: string
      let config: string
      let rows: string
      // MySQL through the config entry's key, PostgreSQL through the flag: both ways for real.
      const how = engine.kind === 'mysql' ? {entry: {compression: 'zstd'}, flags: []} : {entry: {}, flags: ['--compression', 'zstd']}
      const sql = async (input: string) => (await engine.adminSql(project, input)).stdout
      const dump = () => path.join(target, 'db', folder, 'shop', 'shop.1', 'shop.sql.zst')

      before(async function () {
        project = databases.get(engine)!
        target = path.join(work, `${folder}-backups`)
        config = await configFile(folder, {db: [{type: scheme, ...engine.appItem, ...how.entry}]})
        rows = await sql(engine.snapshot)
        const result = await cli(project, ['backup', ...how.flags, '--config', config, '--target', target])
        expect(result.exitCode, result.stderr).to.equal(0)
        expect(result.json.items[0].file).to.equal(dump())
      })

      it('is stored as .sql.zst that `zstd -dc` reads as the whole dump', async function () {
        const {stdout} = await execa('zstd', ['-dc', dump()])
        expect(stdout).to.match(engine.trailerAtEnd)
        for (const text of engine.dumpShows) expect(stdout).to.contain(text)
      })

      it('passes verify, content check included', async function () {
        const result = await cli(project, ['verify', '--target', target])
        expect(result.exitCode, result.stdout).to.equal(0)
        expect(result.json.items[0].checks).to.deep.equal(['sha256', 'zstd', 'content'])
      })

      it('restores into the running service over a dropped table, with identical rows', async function () {
        const running = await startedAt(project, 'db')
        await sql(engine.dropCustomers)
        const result = await cli(project, ['restore', 'db', 'shop', '--force', '--config', config, '--target', target])
        expect(result.exitCode, result.stderr).to.equal(0)
        expect(result.json.items[0]).to.include({file: dump(), replaced: true, status: 'ok'})
        expect(await sql(engine.snapshot)).to.equal(rows)
        expect(await startedAt(project, 'db')).to.equal(running)
      })

      if (engine.kind === 'postgres') {
        it('keeps a custom-format dump as pg_dump made it (.dump), with zstd chosen', async function () {
          const custom = await configFile('custom', {db: [{type: scheme, ...engine.appItem, format: 'custom'}]})
          const into = path.join(work, 'custom-backups')
          const result = await cli(project, ['backup', '--compression', 'zstd', '--config', custom, '--target', into])
          expect(result.exitCode, result.stderr).to.equal(0)
          expect(result.json.items[0].file).to.equal(path.join(into, 'db', folder, 'shop', 'shop.1', 'shop.dump'))
          expect((await cli(project, ['verify', '--target', into])).exitCode).to.equal(0)
        })
      }
    })
  }
})

/** A database service of the engine's fixture with the schema in place. */
async function startDatabase(engine: DatabaseEngine): Promise<ComposeProject> {
  const project = await startComposeProject(engine.fixture)
  await engine.ready(project)
  await engine.appSql(project, engine.schema)
  return project
}

/** Replaces an artifact and makes its manifest match, as if it had been stored so. */
async function rewrite(file: string, content: Buffer): Promise<void> {
  await writeFile(file, content)
  const manifestFile = path.join(path.dirname(file), 'manifest.json')
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8'))
  manifest.sha256 = createHash('sha256').update(content).digest('hex')
  manifest.bytes = content.length
  await writeFile(manifestFile, JSON.stringify(manifest, null, 2))
}

function parsed(result: CliResult): any {
  try {
    return JSON.parse(result.stdout)
  } catch {
    return {unparsable: result.stdout, stderr: result.stderr}
  }
}

