// Bind-mounted host directories of a real compose project, backed up through the real CLI.
import {execa} from 'execa'
import {expect} from 'chai'
import {createHash} from 'node:crypto'
import {mkdtemp, readFile, readdir, rm, stat, writeFile} from 'node:fs/promises'
import {existsSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {type ComposeProject, cleanupTestResources, startComposeProject} from '../support/compose.js'
import {docker, requireEngine} from '../support/engine.js'
import {runCli, spawnCli} from '../support/cli.js'
import {snapshotTree} from '../support/fs-compare.js'
import {fillSampleTree} from '../support/sample-tree.js'

const fixture = fileURLToPath(new URL('../fixtures/bind-project', import.meta.url))


async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex')
}

async function extract(archive: string): Promise<string> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'bb-extract-'))
  // GNU tar as the oracle: an independent reader of what backupbot wrote.
  await execa('tar', ['-xzpf', archive, '--same-owner', '--numeric-owner', '-C', out])
  return out
}

describe('backing up the bind-mounted host directories of a compose project', function () {
  let project: ComposeProject
  let target: string
  let itemDir: string

  before(async function () {
    await requireEngine()
    await cleanupTestResources()
    project = await startComposeProject(fixture, {
      prepare: async (dir) => fillSampleTree(path.join(dir, 'data')),
    })
    target = path.join(project.dir, 'backups')
    itemDir = path.join(target, 'app', 'bind_mounts', 'data')
  })

  after(async function () {
    await project?.down()
    await cleanupTestResources()
  })

  it('writes three versions, numbered .1 newest to .3 oldest, each with a correct checksum', async function () {
    for (const round of [1, 2, 3]) {
      await writeFile(path.join(project.dir, 'data', 'round.txt'), `round ${round}\n`)
      const {exitCode, stderr} = await runCli(['backup', '--target', target], {cwd: project.dir, reject: false})
      expect(exitCode, stderr).to.equal(0)
    }
    const entries = (await readdir(itemDir)).sort()
    expect(entries).to.deep.equal(['data.1', 'data.2', 'data.3'])
    for (const [n, round] of [[1, 3], [2, 2], [3, 1]]) {
      const manifest = JSON.parse(await readFile(path.join(itemDir, `data.${n}`, 'manifest.json'), 'utf8'))
      const archive = path.join(itemDir, `data.${n}`, 'data.tar.gz')
      expect(manifest.sha256).to.equal(await sha256(archive))
      expect(manifest.bytes).to.equal((await stat(archive)).size)
      const extracted = await extract(archive)
      expect(await readFile(path.join(extracted, 'data', 'round.txt'), 'utf8')).to.equal(`round ${round}\n`)
      await rm(extracted, {recursive: true})
    }
  })

  it('archives a tree identical to the source: contents, modes, owners, symlinks and mtimes', async function () {
    const extracted = await extract(path.join(itemDir, 'data.1', 'data.tar.gz'))
    try {
      expect(await snapshotTree(path.join(extracted, 'data'))).to.deep.equal(await snapshotTree(path.join(project.dir, 'data')))
    } finally {
      await rm(extracted, {recursive: true})
    }
  })

  it('reports every item as JSON on stdout with file, bytes, sha256 and status', async function () {
    const {exitCode, stdout} = await runCli(['backup', '--target', target, '--json', '--keep', '2'], {cwd: project.dir, reject: false})
    expect(exitCode).to.equal(0)
    const result = JSON.parse(stdout)
    expect(result.ok).to.equal(true)
    expect(result.items).to.have.length(1)
    const [item] = result.items
    expect(item).to.include({service: 'app', scheme: 'backup_host_directories', item: 'data', status: 'ok'})
    expect(item.file).to.equal(path.join(itemDir, 'data.1', 'data.tar.gz'))
    expect(item.sha256).to.equal(await sha256(item.file))
  })

  it('keeps only two versions with --keep 2', async function () {
    expect((await readdir(itemDir)).sort()).to.deep.equal(['data.1', 'data.2'])
  })

  it('lists the versions with number, creation time, size and checksum', async function () {
    const {stdout} = await runCli(['list-versions', 'app', '--target', target, '--json'], {cwd: project.dir})
    const {items} = JSON.parse(stdout)
    expect(items).to.have.length(1)
    expect(items[0].versions.map((v: {number: number}) => v.number)).to.deep.equal([1, 2])
    for (const v of items[0].versions) {
      expect(v.sha256).to.equal(await sha256(v.file))
      expect(v.bytes).to.be.greaterThan(0)
      expect(Date.parse(v.created)).to.be.greaterThan(0)
    }
  })

  it('prints the plan with --dry-run and touches nothing', async function () {
    const before = await readdir(itemDir)
    const {exitCode, stdout} = await runCli(['backup', '--target', target, '--dry-run', '--json'], {cwd: project.dir})
    expect(exitCode).to.equal(0)
    const plan = JSON.parse(stdout)
    expect(plan.dryRun).to.equal(true)
    expect(plan.items[0]).to.include({service: 'app', source: path.join(project.dir, 'data'), folder: itemDir})
    expect(await readdir(itemDir)).to.deep.equal(before)
  })

  it('with stop: true, stops the containers that bind-mount the directory while reading it, then starts them', async function () {
    const startedAt = async () => (await docker().getContainer(await project.containerId('app')).inspect()).State
    const before = await startedAt()
    const config = path.join(project.dir, 'stop.json')
    await writeFile(config, JSON.stringify({app: [{type: 'backup_host_directories', directories: ['./data'], stop: true}]}))
    const dry = await runCli(['backup', '--config', config, '--target', path.join(project.dir, 'stop-target'), '--dry-run', '--json'], {cwd: project.dir})
    expect(JSON.parse(dry.stdout).items[0].stops).to.have.length(1)
    const {exitCode, stdout, stderr} = await runCli(['backup', '--config', config, '--target', path.join(project.dir, 'stop-target'), '--json'], {cwd: project.dir, reject: false})
    expect(exitCode, stderr).to.equal(0)
    expect(JSON.parse(stdout).items[0].downtimeSeconds).to.be.a('number')
    const after = await startedAt()
    expect(after.Running).to.equal(true)
    expect(after.StartedAt).not.to.equal(before.StartedAt)
  })

  it('refuses a bad scheme config with exit 2, naming the file and key, and writes nothing', async function () {
    const config = path.join(project.dir, 'bad.json')
    await writeFile(config, JSON.stringify({app: [{type: 'backup_host_directories', directories: 'all'}]}))
    const fresh = path.join(project.dir, 'fresh-target')
    const {exitCode, stderr} = await runCli(['backup', '--config', config, '--target', fresh], {cwd: project.dir, reject: false})
    expect(exitCode).to.equal(2)
    expect(stderr).to.contain('bad.json').and.to.contain('app[0].directories')
    expect(existsSync(fresh)).to.equal(false)
  })

  describe('when a run is killed while writing', function () {
    const big = () => path.join(project.dir, 'data', 'big.bin')

    before(async function () {
      // 300 MB of text, which gzip compresses for seconds (random bytes it would store at once),
      // so the kill lands in the middle of writing and a second run finds the lock held.
      await execa('sh', ['-c', 'seq 1 36000000 > "$0"', big()])
    })

    after(async function () {
      await rm(big(), {force: true})
    })

    it('leaves the earlier versions intact and no partial file counted as a version', async function () {
      const before = await Promise.all(['data.1', 'data.2'].map((v) => sha256(path.join(itemDir, v, 'data.tar.gz'))))
      const child = spawnCli(['backup', '--target', target], {cwd: project.dir})
      await waitFor(async () => (await readdir(itemDir)).some((e) => e.startsWith('.tmp-')), 30_000)
      // Let it write a little into the temporary file before the kill.
      await new Promise((r) => setTimeout(r, 300))
      child.kill('SIGKILL')
      await child.catch(() => undefined)
      const entries = await readdir(itemDir)
      expect(entries.filter((e) => !e.startsWith('.')).sort()).to.deep.equal(['data.1', 'data.2'])
      const after = await Promise.all(['data.1', 'data.2'].map((v) => sha256(path.join(itemDir, v, 'data.tar.gz'))))
      expect(after).to.deep.equal(before)
      const {stdout} = await runCli(['list-versions', '--target', target, '--json'], {cwd: project.dir})
      expect(JSON.parse(stdout).items[0].versions).to.have.length(2)
    })

    it('lets a second run fail at once with exit 3 while another holds the lock', async function () {
      const first = spawnCli(['backup', '--target', target], {cwd: project.dir})
      try {
        // The killed run above left a stale lock: wait for the one the live run holds. The lock
        // is created empty (O_EXCL) and then written, so a read may see it empty or partial.
        const lockFile = path.join(target, '.backupbot.lock')
        const lockPid = async () => JSON.parse(await readFile(lockFile, 'utf8')).pid as number
        await waitFor(async () => (await lockPid().catch(() => undefined)) === first.pid, 30_000)
        const {exitCode, stderr} = await runCli(['backup', '--target', target], {cwd: project.dir, reject: false})
        expect(exitCode).to.equal(3)
        expect(stderr).to.match(/lock/i)
      } finally {
        first.kill('SIGKILL')
        await first.catch(() => undefined)
      }
    })

    it('recovers on the next run: stale lock and temporary files are cleaned and a new version lands', async function () {
      const {exitCode, stderr} = await runCli(['backup', '--target', target, '--keep', '3'], {cwd: project.dir, reject: false})
      expect(exitCode, stderr).to.equal(0)
      const entries = await readdir(itemDir)
      expect(entries.filter((e) => e.startsWith('.'))).to.deep.equal([])
      expect(entries.sort()).to.deep.equal(['data.1', 'data.2', 'data.3'])
    })
  })
})

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}
