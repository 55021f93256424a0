// Restoring bind-mounted host directories through the real CLI, against a real compose project:
// back up, destroy, restore, and compare the tree (contents, modes, owners, symlinks, mtimes).
import {expect} from 'chai'
import {mkdir, readFile, rm, utimes, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {type CliResult, runCli} from '../support/cli.js'
import {type ComposeProject, cleanupTestResources, startComposeProject} from '../support/compose.js'
import {docker, requireEngine, requireImages, TEST_IMAGES} from '../support/engine.js'
import {diffSnapshots, snapshotTree, type TreeEntry} from '../support/fs-compare.js'
import {fillSampleTree} from '../support/sample-tree.js'

const fixture = fileURLToPath(new URL('../fixtures/bind-project', import.meta.url))



interface State {
  running: boolean
  startedAt: string
}

describe('restoring the bind-mounted host directories of a compose project', function () {
  let project: ComposeProject
  let target: string
  let data: string
  /** The tree as each version holds it: [1] newest, [2] older. */
  const versions: Record<number, TreeEntry[]> = {}

  const cli = (args: string[]) => runCli([...args, '--target', target], {cwd: project.dir, reject: false})
  const json = (r: CliResult) => JSON.parse(r.stdout)
  const snapshot = (dir: string) => snapshotTree(dir, {includeRoot: true})

  async function state(): Promise<State> {
    const info = await docker().getContainer(await project.containerId('app')).inspect()
    return {running: info.State.Running, startedAt: info.State.StartedAt}
  }

  async function containerName(): Promise<string> {
    const [c] = await project.containers('app')
    return c!.Names[0]!.replace(/^\//, '')
  }

  before(async function () {
    this.timeout(300_000)
    await requireEngine()
    await requireImages(TEST_IMAGES.busybox)
    await cleanupTestResources()
    project = await startComposeProject(fixture, {
      prepare: async (dir) => fillSampleTree(path.join(dir, 'data')),
    })
    target = path.join(project.dir, 'backups')
    data = path.join(project.dir, 'data')
    // Two versions: .2 holds round 1, .1 holds round 2 and one more file.
    await writeFile(path.join(data, 'round.txt'), 'round 1\n')
    expect((await cli(['backup'])).exitCode).to.equal(0)
    versions[2] = await snapshot(data)
    await writeFile(path.join(data, 'round.txt'), 'round 2\n')
    await writeFile(path.join(data, 'nested', 'added-in-2.txt'), 'new\n')
    await utimes(path.join(data, 'nested'), new Date('2021-05-06T07:08:09Z'), new Date('2021-05-06T07:08:09Z'))
    expect((await cli(['backup'])).exitCode).to.equal(0)
    versions[1] = await snapshot(data)
  })

  after(async function () {
    this.timeout(120_000)
    await project?.down()
    await cleanupTestResources()
  })

  it('refuses the non-empty source without --force (exit 1), changing and stopping nothing', async function () {
    const before = await state()
    const r = await cli(['restore', 'app', 'data', '--json'])
    expect(r.exitCode, r.stderr).to.equal(1)
    const [item] = json(r).items
    expect(item).to.include({service: 'app', scheme: 'backup_host_directories', item: 'data', version: 1, status: 'failed'})
    expect(item.error).to.contain(`${data} is not empty`).and.to.contain('--force')
    expect(diffSnapshots(await snapshot(data), versions[1]!)).to.deep.equal([])
    expect(await state()).to.deep.equal(before)
  })

  it('says with --dry-run what it would stop and replace, and touches nothing', async function () {
    await writeFile(path.join(data, 'extra.txt'), 'not in any backup\n')
    const tree = await snapshot(data)
    const before = await state()
    const r = await cli(['restore', 'app', 'data', '--dry-run', '--force', '--json'])
    expect(r.exitCode, r.stderr).to.equal(0)
    const result = json(r)
    expect(result.dryRun).to.equal(true)
    expect(result.items[0]).to.include({destination: data, replaced: true, status: 'ok'})
    expect(result.items[0].stopped).to.deep.equal([await containerName()])
    expect(await snapshot(data)).to.deep.equal(tree)
    expect(await state()).to.deep.equal(before)
    await rm(path.join(data, 'extra.txt'))
  })

  it('puts an emptied directory back identical (contents, modes, owners, symlinks, mtimes), with the service stopped meanwhile', async function () {
    const before = await state()
    await rm(data, {recursive: true})
    await mkdir(data)
    const r = await cli(['restore', 'app', 'data', '--json'])
    expect(r.exitCode, r.stderr).to.equal(0)
    expect(json(r).items[0]).to.include({destination: data, replaced: false, status: 'ok'})
    expect(json(r).items[0].stopped).to.deep.equal([await containerName()])
    expect(diffSnapshots(await snapshot(data), versions[1]!)).to.deep.equal([])
    const after = await state()
    expect(after.running).to.equal(true)
    expect(after.startedAt > before.startedAt, 'restarted').to.equal(true)
    // The container, started again, sees the restored directory.
    expect((await project.exec('app', ['cat', '/data/round.txt'])).stdout).to.equal('round 2')
  })

  it('with --version 2 --force replaces it exactly with the older version (files it lacks are removed)', async function () {
    await writeFile(path.join(data, 'extra.txt'), 'not in any backup\n')
    await mkdir(path.join(data, 'extra-dir'))
    const r = await cli(['restore', 'app', 'data', '--version', '2', '--force', '--json'])
    expect(r.exitCode, r.stderr).to.equal(0)
    expect(json(r).items[0]).to.include({version: 2, replaced: true, status: 'ok'})
    expect(diffSnapshots(await snapshot(data), versions[2]!)).to.deep.equal([])
    expect(await readFile(path.join(data, 'round.txt'), 'utf8')).to.equal('round 1\n')
    expect((await state()).running).to.equal(true)
    expect((await project.exec('app', ['cat', '/data/round.txt'])).stdout).to.equal('round 1')
  })

  it('restores into a whole directory that was deleted', async function () {
    await rm(data, {recursive: true})
    const r = await cli(['restore', 'app', 'data', '--json'])
    expect(r.exitCode, r.stderr).to.equal(0)
    expect(diffSnapshots(await snapshot(data), versions[1]!)).to.deep.equal([])
    expect((await project.exec('app', ['cat', '/data/round.txt'])).stdout).to.equal('round 2')
  })

  it('restores --to another path (relative to the project), leaving the source alone and stopping nothing', async function () {
    const source = await snapshot(data)
    const r = await cli(['restore', 'app', 'data', '--version', '2', '--to', './copy', '--json'])
    expect(r.exitCode, r.stderr).to.equal(0)
    const copy = path.join(project.dir, 'copy')
    expect(json(r).items[0]).to.include({destination: copy, replaced: false, status: 'ok'})
    expect(json(r).items[0].stopped).to.deep.equal([])
    expect(diffSnapshots(await snapshot(copy), versions[2]!)).to.deep.equal([])
    expect(await snapshot(data)).to.deep.equal(source)
    // Once there, it is refused like any non-empty destination.
    const again = await cli(['restore', 'app', 'data', '--to', './copy', '--json'])
    expect(again.exitCode).to.equal(1)
    expect(json(again).items[0].error).to.contain('is not empty')
    expect(diffSnapshots(await snapshot(copy), versions[2]!)).to.deep.equal([])
  })
})
