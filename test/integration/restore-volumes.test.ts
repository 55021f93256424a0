// Restoring named volumes through the real CLI, against a real compose project and engine: back
// up, destroy (empty, or `down -v`), restore, and compare the volume's tree with what was backed up.
import {expect} from 'chai'
import {execa} from 'execa'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {type CliResult, runCli} from '../support/cli.js'
import {cleanupTestResources, type ComposeProject, startBusyboxProject} from '../support/compose.js'
import {docker, TEST_IMAGES} from '../support/engine.js'
import {diffSnapshots, snapshotTree, type TreeEntry} from '../support/fs-compare.js'

const fixture = fileURLToPath(new URL('../fixtures/volume-project', import.meta.url))
const HELPER_LABEL = 'backupbot.helper=1'

// Runs in a throw-away container: the engine creates the files, as a service would.
const FILL = `set -e
cd /fill
mkdir -p nested/deeper 'dir with spaces'
printf 'spaces are fine\\n' > 'a file with spaces.txt'
printf 'only the owner reads this\\n' > secret.key && chmod 600 secret.key
printf 'someone else owns this\\n' > nested/deeper/owned-by-1234.txt
chown 1234:4321 nested/deeper/owned-by-1234.txt
ln -s '../a file with spaces.txt' nested/link-to-spaces && chown -h 1234:4321 nested/link-to-spaces
ln -s does-not-exist dangling-link
touch .hidden && touch empty-file && chmod 4755 empty-file
chmod 750 nested
chown 999:999 'dir with spaces' && chmod 1777 'dir with spaces'
dd if=/dev/urandom of=nested/blob-8M.bin bs=1M count=8 2>/dev/null
touch -d '2020-01-02 03:04:05' 'a file with spaces.txt' nested/deeper
echo 'round 1' > round.txt
chown 1000:1000 /fill && chmod 0750 /fill`

interface State {
  running: boolean
  startedAt: string
  finishedAt: string
}

describe('restoring the named volumes of a compose project', function () {
  let project: ComposeProject
  let dataDir: string
  let env: Record<string, string>
  let target: string
  /** The volume as each version holds it: [1] newest, [2] older. */
  const versions: Record<number, TreeEntry[]> = {}

  const vol = (name: string) => `${project.name}_${name}`
  const cli = (args: string[]) => runCli([...args, '--target', target], {cwd: project.dir, env, reject: false})
  const json = (r: CliResult) => JSON.parse(r.stdout)

  async function run(volume: string, script: string): Promise<void> {
    await execa('docker', ['run', '--rm', '--label', 'backupbot.test=1', '--network', 'none', '-v', `${volume}:/fill`, TEST_IMAGES.busybox, 'sh', '-c', script])
  }

  /** The volume's tree on the (local) engine host, its root included. */
  async function tree(volume: string): Promise<TreeEntry[]> {
    return snapshotTree((await docker().getVolume(volume).inspect()).Mountpoint, {includeRoot: true})
  }

  async function state(service: string): Promise<State> {
    const info = await docker().getContainer(await project.containerId(service)).inspect()
    return {running: info.State.Running, startedAt: info.State.StartedAt, finishedAt: info.State.FinishedAt}
  }

  async function names(...services: string[]): Promise<string[]> {
    const all = await Promise.all(services.map(async (s) => (await project.containers(s))[0]!.Names[0]!.replace(/^\//, '')))
    return all.sort()
  }

  async function helpers(): Promise<string[]> {
    return (await docker().listContainers({all: true, filters: {label: [HELPER_LABEL]}})).map((c) => c.Id)
  }

  before(async function () {
    this.timeout(300_000)
    project = await startBusyboxProject(fixture)
    await project.compose(['stop', 'idle'])
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'bb-vol-restore-'))
    env = {BACKUPBOT_DATA_DIR: dataDir, BACKUPBOT_HELPER_IMAGE: TEST_IMAGES.busybox}
    target = path.join(project.dir, 'backups')
    await writeFile(path.join(project.dir, 'backupbot.json'), JSON.stringify({app: [{type: 'backup_volume', volumes: ['appdata']}]}))
    await run(vol('appdata'), FILL)
    expect((await cli(['backup'])).exitCode).to.equal(0)
    versions[2] = await tree(vol('appdata'))
    await run(vol('appdata'), "echo 'round 2' > /fill/round.txt && mkdir /fill/added-in-2 && touch /fill/added-in-2/f")
    expect((await cli(['backup'])).exitCode).to.equal(0)
    versions[1] = await tree(vol('appdata'))
  })

  after(async function () {
    this.timeout(120_000)
    await project?.down()
    // Volumes created by restore carry no compose label: remove them by name.
    for (const v of (await docker().listVolumes()).Volumes ?? []) {
      if (project && v.Name.startsWith(`${project.name}_`)) await docker().getVolume(v.Name).remove({force: true}).catch(() => {})
    }
    await cleanupTestResources()
    if (dataDir) await rm(dataDir, {recursive: true, force: true})
  })

  it('refuses the non-empty volume without --force (exit 1), stopping and changing nothing', async function () {
    const before = await state('app')
    const r = await cli(['restore', 'app', 'appdata', '--json'])
    expect(r.exitCode, r.stderr).to.equal(1)
    const [item] = json(r).items
    expect(item).to.include({service: 'app', scheme: 'backup_volume', item: 'appdata', status: 'failed'})
    expect(item.error).to.contain(`volume ${vol('appdata')} is not empty`)
    expect(await state('app')).to.deep.equal(before)
    expect(diffSnapshots(await tree(vol('appdata')), versions[1]!)).to.deep.equal([])
  })

  it('says with --dry-run which running containers it would stop and that it would replace, touching nothing', async function () {
    const before = {app: await state('app'), reader: await state('reader')}
    const r = await cli(['restore', 'app', 'appdata', '--dry-run', '--force', '--json'])
    expect(r.exitCode, r.stderr).to.equal(0)
    const [item] = json(r).items
    expect(item).to.include({destination: `volume ${vol('appdata')}`, replaced: true, status: 'ok'})
    expect([...item.stopped].sort()).to.deep.equal(await names('app', 'reader'))
    expect({app: await state('app'), reader: await state('reader')}).to.deep.equal(before)
    expect(diffSnapshots(await tree(vol('appdata')), versions[1]!)).to.deep.equal([])
  })

  it('with --version 2 --force replaces it exactly (contents, modes, owners, symlinks, mtimes), its users stopped meanwhile', async function () {
    await run(vol('appdata'), 'echo extra > /fill/extra.txt && mkdir -p /fill/extra-dir/deep && chmod 000 /fill/extra-dir')
    const before = {app: await state('app'), reader: await state('reader'), idle: await state('idle')}
    const r = await cli(['restore', 'app', 'appdata', '--version', '2', '--force', '--json'])
    expect(r.exitCode, r.stderr).to.equal(0)
    const [item] = json(r).items
    expect(item).to.include({version: 2, replaced: true, status: 'ok'})
    expect([...item.stopped].sort()).to.deep.equal(await names('app', 'reader'))
    expect(diffSnapshots(await tree(vol('appdata')), versions[2]!)).to.deep.equal([])
    for (const service of ['app', 'reader'] as const) {
      const now = await state(service)
      expect(now.running, service).to.equal(true)
      expect(now.startedAt > before[service].startedAt, `${service} restarted`).to.equal(true)
    }
    // Stopped before, stays stopped.
    expect(await state('idle')).to.deep.equal(before.idle)
    expect((await project.exec('app', ['cat', '/var/lib/app/round.txt'])).stdout).to.equal('round 1')
    expect(await helpers()).to.deep.equal([])
  })

  it('restores --to another volume, creating it, without stopping anything', async function () {
    const before = await state('app')
    const r = await cli(['restore', 'app', 'appdata', '--to', vol('copy'), '--json'])
    expect(r.exitCode, r.stderr).to.equal(0)
    expect(json(r).items[0]).to.include({destination: `volume ${vol('copy')}`, replaced: false, status: 'ok'})
    expect(json(r).items[0].stopped).to.deep.equal([])
    expect(diffSnapshots(await tree(vol('copy')), versions[1]!)).to.deep.equal([])
    expect(await state('app')).to.deep.equal(before)
  })

  it('refuses an archive made with a custom command, saying how to restore it by hand', async function () {
    const config = path.join(project.dir, 'command.json')
    await writeFile(config, JSON.stringify({app: [{type: 'backup_volume', volumes: ['appdata'], command: 'tar -czf'}]}))
    const commandTarget = path.join(project.dir, 'backups-command')
    expect((await runCli(['backup', '--config', config, '--target', commandTarget], {cwd: project.dir, env, reject: false})).exitCode).to.equal(0)
    const r = await runCli(['restore', 'app', 'appdata', '--config', config, '--target', commandTarget, '--to', vol('unused'), '--json'], {cwd: project.dir, env, reject: false})
    expect(r.exitCode, r.stderr).to.equal(1)
    expect(json(r).items[0].error).to.contain('restore it by hand').and.to.contain('tar -xzpf - -C /')
    expect((await docker().listVolumes()).Volumes?.map((v) => v.Name)).not.to.include(vol('unused'))
  })

  it('after `down -v` recreates the volume, and the project comes up with its data', async function () {
    await project.compose(['down', '-v', '-t', '1'])
    const r = await cli(['restore', 'app', 'appdata', '--json'])
    expect(r.exitCode, r.stderr).to.equal(0)
    expect(json(r).items[0]).to.include({replaced: false, status: 'ok'})
    expect(json(r).items[0].stopped).to.deep.equal([])
    expect(diffSnapshots(await tree(vol('appdata')), versions[1]!)).to.deep.equal([])
    await project.compose(['up', '-d'])
    expect((await project.exec('app', ['cat', '/var/lib/app/round.txt'])).stdout).to.equal('round 2')
    expect(await helpers()).to.deep.equal([])
  })
})
