// Named volumes of a real compose project, backed up through the real CLI (scheme backup_volume):
// archive contents, which containers are stopped and for how long, failures and interrupts.
import {expect} from 'chai'
import {execa} from 'execa'
import {mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {type CliResult, runCli, spawnCli} from '../support/cli.js'
import {cleanupTestResources, type ComposeProject, startBusyboxProject, waitUntil} from '../support/compose.js'
import {docker, TEST_IMAGES} from '../support/engine.js'
import {diffSnapshots, snapshotTree} from '../support/fs-compare.js'

const fixture = fileURLToPath(new URL('../fixtures/volume-project', import.meta.url))
const HELPER_LABEL = 'backupbot.helper=1'

// Runs in a throw-away container: the engine creates the files, as a service would.
const FILL_APPDATA = `set -e
cd /fill
mkdir -p nested/deeper 'dir with spaces/inner'
printf 'spaces are fine\\n' > 'a file with spaces.txt'
printf 'only the owner reads this\\n' > secret.key && chmod 600 secret.key
printf '#!/bin/sh\\necho hi\\n' > run.sh && chmod 755 run.sh
printf 'someone else owns this\\n' > nested/deeper/owned-by-1234.txt
chown 1234:4321 nested/deeper/owned-by-1234.txt
ln -s '../a file with spaces.txt' nested/link-to-spaces && chown -h 1234:4321 nested/link-to-spaces
ln -s /etc/passwd absolute-link
ln -s does-not-exist dangling-link
touch empty-file && chmod 4755 empty-file
chmod 750 nested
chown 999:999 'dir with spaces' && chmod 1777 'dir with spaces'
seq 1 200000 > 'dir with spaces/inner/numbers.txt'
dd if=/dev/urandom of=nested/blob-50M.bin bs=1M count=50 2>/dev/null
touch -d '2020-01-02 03:04:05' run.sh
chown 1000:1000 /fill && chmod 0750 /fill`

interface State {
  running: boolean
  status: string
  startedAt: number
  finishedAt: number
}

describe('backing up the named volumes of a compose project', function () {
  let project: ComposeProject
  let dataDir: string
  let env: Record<string, string>

  const vol = (name: string) => `${project.name}_${name}`
  const cli = (args: string[], opts: {reject?: boolean} = {}) => runCli(args, {cwd: project.dir, env, reject: opts.reject ?? false})
  const json = (r: CliResult) => JSON.parse(r.stdout)

  async function config(name: string, body: unknown): Promise<string> {
    const file = path.join(project.dir, `${name}.json`)
    await writeFile(file, JSON.stringify(body))
    return file
  }

  async function containerName(service: string): Promise<string> {
    const [c] = await project.containers(service)
    return c!.Names[0]!.replace(/^\//, '')
  }

  async function state(service: string): Promise<State> {
    const info = await docker().getContainer(await project.containerId(service)).inspect()
    return {running: info.State.Running, status: info.State.Status, startedAt: Date.parse(info.State.StartedAt), finishedAt: Date.parse(info.State.FinishedAt)}
  }

  async function helpers(): Promise<string[]> {
    const list = await docker().listContainers({all: true, filters: {label: [HELPER_LABEL]}})
    return list.map((c) => c.Names[0] ?? c.Id)
  }

  async function versions(itemDir: string): Promise<string[]> {
    return (await readdir(itemDir).catch(() => [] as string[])).filter((e) => !e.startsWith('.')).sort()
  }

  /** The volume's directory on the (local) engine host, to compare archives with. */
  async function hostPath(volume: string): Promise<string> {
    return (await docker().getVolume(vol(volume)).inspect()).Mountpoint
  }

  async function fill(volume: string, script: string): Promise<void> {
    await execa('docker', ['run', '--rm', '--label', 'backupbot.test=1', '--network', 'none', '-v', `${vol(volume)}:/fill`, TEST_IMAGES.busybox, 'sh', '-c', script])
  }

  async function extract(archive: string): Promise<string> {
    const out = await mkdtemp(path.join(os.tmpdir(), 'bb-vol-extract-'))
    // GNU tar as the oracle: an independent reader of what backupbot wrote.
    await execa('tar', ['-xzpf', archive, '--same-owner', '--numeric-owner', '-C', out])
    return out
  }

  /** Helper containers a killed run left behind hold our volumes: remove them before `down -v`. */
  async function removeOurHelpers(): Promise<void> {
    for (const c of await docker().listContainers({all: true, filters: {label: [HELPER_LABEL]}})) {
      if (c.Mounts.some((m) => m.Name?.startsWith(`${project.name}_`))) await docker().getContainer(c.Id).remove({force: true, v: true}).catch(() => {})
    }
  }

  before(async function () {
    this.timeout(300_000)
    project = await startBusyboxProject(fixture)
    await project.compose(['stop', 'idle'])
    await fill('appdata', FILL_APPDATA)
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'bb-vol-data-'))
    // An isolated restart journal; the helper image exists locally (there is no registry).
    env = {BACKUPBOT_DATA_DIR: dataDir, BACKUPBOT_HELPER_IMAGE: TEST_IMAGES.busybox}
  })

  after(async function () {
    this.timeout(120_000)
    if (project) await removeOurHelpers()
    await project?.down()
    await cleanupTestResources()
    if (dataDir) await rm(dataDir, {recursive: true, force: true})
  })

  describe('a backup of a volume shared by three services, one of them stopped', function () {
    let target: string
    let result: CliResult
    let initial: Record<string, State>
    let t0: number
    let t1: number
    const itemDir = () => path.join(target, 'app', 'named_volumes', 'appdata')

    before(async function () {
      target = path.join(project.dir, 'backups-shared')
      initial = {app: await state('app'), reader: await state('reader'), idle: await state('idle')}
      const file = await config('app', {app: [{type: 'backup_volume'}]})
      t0 = Date.now()
      result = await cli(['backup', '--config', file, '--target', target, '--json'])
      t1 = Date.now()
    })

    it('succeeds with one item for the named volume (the anonymous one is left out)', async function () {
      expect(result.exitCode, result.stderr).to.equal(0)
      const {items} = json(result)
      expect(items).to.have.length(1)
      expect(items[0]).to.include({service: 'app', scheme: 'backup_volume', item: 'appdata', source: `volume ${vol('appdata')} at /var/lib/app`, status: 'ok'})
      expect(items[0].file).to.equal(path.join(itemDir(), 'appdata.1', 'appdata.tar.gz'))
      if ('downtimeSeconds' in items[0]) {
        expect(items[0].downtimeSeconds).to.be.a('number').within(0, items[0].seconds + 1)
      }
    })

    it('archives a tree identical to the volume: contents, modes, owners, symlinks, mtimes, a 50 MB file', async function () {
      const extracted = await extract(path.join(itemDir(), 'appdata.1', 'appdata.tar.gz'))
      try {
        // Entries start with the mount point's basename, as `tar -czf - /var/lib/app` makes them.
        expect(await readdir(extracted)).to.deep.equal(['app'])
        const got = await snapshotTree(path.join(extracted, 'app'), {includeRoot: true})
        const want = await snapshotTree(await hostPath('appdata'), {includeRoot: true})
        expect(diffSnapshots(got, want, {ignoreFields: []})).to.deep.equal([])
        const blob = want.find((e) => e.path === 'nested/blob-50M.bin')
        expect(blob?.size).to.equal(50 * 1024 * 1024)
        expect(want.find((e) => e.path === 'nested/deeper/owned-by-1234.txt')).to.include({uid: 1234, gid: 4321})
        expect(want.find((e) => e.path === 'dir with spaces')).to.include({uid: 999, mode: 0o1777})
      } finally {
        await rm(extracted, {recursive: true})
      }
    })

    it('stopped both running services that use the volume during the backup and started them again', async function () {
      for (const service of ['app', 'reader']) {
        const now = await state(service)
        expect(now.running, service).to.equal(true)
        // Stopped and started within the run (1 s of slack for clock rounding).
        expect(now.finishedAt, `${service} stopped`).to.be.within(t0 - 1000, t1 + 1000)
        expect(now.startedAt, `${service} started`).to.be.within(now.finishedAt, t1 + 1000)
        expect(now.startedAt).to.be.greaterThan(initial[service]!.startedAt)
      }
    })

    it('left the service that was stopped before stopped', async function () {
      const now = await state('idle')
      expect(now.running).to.equal(false)
      expect(now.startedAt).to.equal(initial.idle!.startedAt)
      expect(now.finishedAt).to.equal(initial.idle!.finishedAt)
    })

    it('left no helper container', async function () {
      expect(await helpers()).to.deep.equal([])
    })
  })

  it('lists with --dry-run the running containers it would stop, and stops none', async function () {
    // The alias of the seed's config format works too.
    const file = await config('alias', {app: [{type: 'backup_volumes'}]})
    const target = path.join(project.dir, 'backups-dry')
    const before = await state('app')
    const r = await cli(['backup', '--config', file, '--target', target, '--dry-run', '--json'])
    expect(r.exitCode, r.stderr).to.equal(0)
    const plan = json(r)
    expect(plan.items).to.have.length(1)
    expect(plan.items[0].scheme).to.equal('backup_volume')
    expect(plan.items[0].stops.sort()).to.deep.equal([await containerName('app'), await containerName('reader')].sort())
    expect(plan.items[0].folder).to.equal(path.join(target, 'app', 'named_volumes', 'appdata'))
    expect(await state('app')).to.deep.equal(before)
  })

  it('refuses a volume the service does not mount with exit 2, naming its volumes', async function () {
    const file = await config('unknown', {app: [{type: 'backup_volume', volumes: ['nosuchvolume']}]})
    const r = await cli(['backup', '--config', file, '--target', path.join(project.dir, 'backups-unknown')])
    expect(r.exitCode).to.equal(2)
    expect(r.stderr).to.contain('unknown.json').and.to.contain('"nosuchvolume" is not a named volume of service app').and.to.contain('appdata')
  })

  it('backs up every named volume once without a scheme config, a shared one under its first service', async function () {
    const r = await cli(['backup', '--dry-run', '--json', '--target', path.join(project.dir, 'backups-zero')])
    expect(r.exitCode, r.stderr).to.equal(0)
    const items = json(r).items.filter((i: {scheme: string}) => i.scheme === 'backup_volume')
    expect(items.map((i: {service: string; item: string}) => `${i.service}/${i.item}`).sort()).to.deep.equal(['app/appdata', 'big/bigdata'])
    expect(r.stderr).to.contain('reader: volume').and.to.contain('is shared with app: backed up once, under app')
  })

  it('runs a configured command in a temporary container and keeps its output as the archive', async function () {
    const target = path.join(project.dir, 'backups-command')
    const file = await config('command', {app: [{type: 'backup_volume', volumes: ['appdata'], command: 'tar -czf'}]})
    const r = await cli(['backup', '--config', file, '--target', target, '--json'])
    expect(r.exitCode, r.stderr).to.equal(0)
    const archive = json(r).items[0].file
    const extracted = await extract(archive)
    try {
      // `tar -czf - /var/lib/app`: tar drops the leading slash.
      const got = await snapshotTree(path.join(extracted, 'var/lib/app'))
      expect(diffSnapshots(got, await snapshotTree(await hostPath('appdata')))).to.deep.equal([])
    } finally {
      await rm(extracted, {recursive: true})
    }
    expect((await state('app')).running).to.equal(true)
    expect(await helpers()).to.deep.equal([])
  })

  describe('when the backup fails', function () {
    it('fails a command no image has before stopping anything: exit 1, no version, no helper', async function () {
      const target = path.join(project.dir, 'backups-badtool')
      const file = await config('badtool', {app: [{type: 'backup_volume', command: 'nosuchtool -czf', image: TEST_IMAGES.busybox}]})
      const before = await state('app')
      const r = await cli(['backup', '--config', file, '--target', target, '--json'])
      expect(r.exitCode, r.stderr).to.equal(1)
      const [item] = json(r).items
      expect(item.status).to.equal('failed')
      expect(item.error).to.contain('nosuchtool')
      expect(await state('app')).to.deep.equal(before)
      expect(await versions(path.join(target, 'app', 'named_volumes', 'appdata'))).to.deep.equal([])
      expect(await helpers()).to.deep.equal([])
    })

    it('fails a command that exits non-zero with its stderr, and starts the services again', async function () {
      const target = path.join(project.dir, 'backups-badcmd')
      const file = await config('badcmd', {app: [{type: 'backup_volume', command: 'tar -czf - /no/such/path', use_mountpoint: false}]})
      const t0 = Date.now()
      const r = await cli(['backup', '--config', file, '--target', target, '--json'])
      expect(r.exitCode, r.stderr).to.equal(1)
      const [item] = json(r).items
      expect(item.status).to.equal('failed')
      expect(item.error).to.contain('exited with code').and.to.contain('/no/such/path')
      for (const service of ['app', 'reader']) {
        const now = await state(service)
        expect(now.running, service).to.equal(true)
        expect(now.finishedAt, `${service} was stopped for the command`).to.be.greaterThan(t0 - 1000)
      }
      expect(await versions(path.join(target, 'app', 'named_volumes', 'appdata'))).to.deep.equal([])
      expect(await helpers()).to.deep.equal([])
    })
  })

  describe('when backupbot is killed while archiving', function () {
    let bigConfig: string
    let appConfig: string
    const target = () => path.join(project.dir, 'backups-killed')
    const bigItem = () => path.join(target(), 'big', 'named_volumes', 'bigdata')

    before(async function () {
      this.timeout(180_000)
      // 300 MB of text, streamed (--no-spool below): the service stays stopped while gzip
      // compresses it, seconds, so the signal lands while the volume is being archived.
      await fill('bigdata', 'seq 1 1200000 > /tmp/t && i=0 && while [ $i -lt 37 ]; do cat /tmp/t; i=$((i+1)); done > /fill/text.txt')
      bigConfig = await config('big', {big: [{type: 'backup_volume'}]})
      appConfig = await config('app', {app: [{type: 'backup_volume'}]})
    })

    /**
     * Starts a backup of `big` and resolves once its container has been stopped for it. The child
     * is wrapped: an execa subprocess is a promise, and returning it would wait for its end.
     */
    async function startBigBackup() {
      const child = spawnCli(['backup', '--config', bigConfig, '--target', target(), '--json', '--no-spool'], {cwd: project.dir, env})
      await waitUntil(async () => !(await state('big')).running, {timeoutMs: 60_000, intervalMs: 25, what: 'the big service to be stopped'})
      await new Promise((r) => setTimeout(r, 300))
      return {child}
    }

    it('on SIGTERM starts the container again before exiting with 130 or 143, keeping no version', async function () {
      const {child} = await startBigBackup()
      child.kill('SIGTERM')
      const r = await child
      const after = await state('big')
      expect(r.exitCode, `${r.signal ?? ''}\n${r.stderr}`).to.be.oneOf([130, 143])
      expect(after.running).to.equal(true)
      expect(await versions(bigItem())).to.deep.equal([])
      expect(await helpers()).to.deep.equal([])
    })

    it('on SIGKILL leaves the container stopped, and the next backup starts it first', async function () {
      const {child} = await startBigBackup()
      child.kill('SIGKILL')
      await child
      expect((await state('big')).running).to.equal(false)
      expect(await versions(bigItem())).to.deep.equal([])
      // The next run, about another service entirely, restarts it from the journal first.
      const r = await cli(['backup', '--config', appConfig, '--target', target(), '--json'])
      expect(r.exitCode, r.stderr).to.equal(0)
      const big = await state('big')
      const app = await state('app')
      expect(big.running).to.equal(true)
      expect(big.startedAt, 'big restarted before app was stopped').to.be.at.most(app.finishedAt)
    })

    it('on SIGKILL leaves the container stopped, and `backupbot recover` starts it', async function () {
      const {child} = await startBigBackup()
      child.kill('SIGKILL')
      await child
      expect((await state('big')).running).to.equal(false)
      const r = await cli(['recover', '--json'])
      expect(r.exitCode, r.stderr).to.equal(0)
      expect(JSON.stringify(json(r).started)).to.contain(await containerName('big'))
      expect((await state('big')).running).to.equal(true)
    })
  })
})
