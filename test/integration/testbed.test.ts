// Proves the integration-test helpers against the real engine: a compose project in a temp copy,
// its com.docker.compose labels, exec, bind mounts, tree snapshots, the built CLI and cleanup.
import {expect} from 'chai'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {runCli} from '../support/cli.js'
import {
  type ComposeProject,
  LABEL_CONFIG_FILES,
  LABEL_PROJECT,
  LABEL_SERVICE,
  LABEL_WORKING_DIR,
  cleanupTestResources,
  startComposeProject,
} from '../support/compose.js'
import {TEST_IMAGES, TEST_LABEL, docker, requireEngine, requireImages} from '../support/engine.js'
import {diffSnapshots, snapshotTree} from '../support/fs-compare.js'

const fixture = fileURLToPath(new URL('../fixtures/testbed', import.meta.url))
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

async function resourcesOf(project: string) {
  const d = docker()
  const filters = {label: [`${LABEL_PROJECT}=${project}`]}
  return {
    containers: await d.listContainers({all: true, filters}),
    networks: await d.listNetworks({filters}),
    volumes: (await d.listVolumes({filters})).Volumes ?? [],
  }
}

describe('integration testbed', function () {
  let project: ComposeProject

  before(async function () {
    await requireEngine()
    await requireImages(TEST_IMAGES.busybox)
    await cleanupTestResources()
  })

  after(async function () {
    await project?.down()
    await cleanupTestResources()
  })

  it('starts a copy of the fixture as a bbtest-* compose project', async function () {
    project = await startComposeProject(fixture)
    expect(project.name).to.match(/^bbtest-[0-9a-f]{8}$/)
    expect(project.dir).to.not.equal(fixture)
    expect(existsSync(path.join(project.dir, 'compose.yaml'))).to.equal(true)
    // The copy keeps contents, modes and mtimes.
    expect(diffSnapshots(await snapshotTree(path.join(project.dir, 'data')), await snapshotTree(path.join(fixture, 'data')))).to.deep.equal([])
  })

  it('runs the service, labelled with project, service, working_dir and config_files', async function () {
    const containers = await project.containers('box')
    expect(containers).to.have.length(1)
    const info = await docker().getContainer(containers[0]!.Id).inspect()
    expect(info.State.Running).to.equal(true)
    const labels = info.Config.Labels
    expect(labels[LABEL_PROJECT]).to.equal(project.name)
    expect(labels[LABEL_SERVICE]).to.equal('box')
    expect(labels[LABEL_WORKING_DIR]).to.equal(project.dir)
    const configFiles = labels[LABEL_CONFIG_FILES]!.split(',')
    expect(configFiles.map((f) => path.resolve(project.dir, f))).to.deep.equal([path.join(project.dir, 'compose.yaml')])
    const bind = info.Mounts.find((m) => m.Destination === '/data')
    expect(bind).to.include({Type: 'bind', Source: path.join(project.dir, 'data')})
  })

  it('execs in the service: bind mount both ways, env without argv, stdin', async function () {
    const hello = await project.exec('box', ['cat', '/data/hello.txt'])
    expect(hello.stdout).to.equal('hello from the testbed fixture')

    const secret = `it's a "secret" $HOME`
    const env = await project.exec('box', ['sh', '-c', 'printf %s "$SECRET"'], {env: {SECRET: secret}})
    expect(env.stdout).to.equal(secret)

    await project.exec('box', ['sh', '-c', 'mkdir -p /data/out && cat > /data/out/piped.txt'], {input: 'piped\n'})
    await project.exec('box', [
      'sh',
      '-c',
      'cd /data/out && chown 1234:4321 piped.txt && chmod 640 piped.txt && ln -s ../hello.txt link',
    ])
    const failed = await project.exec('box', ['sh', '-c', 'echo oops >&2; exit 7'], {reject: false})
    expect(failed).to.include({exitCode: 7, stderr: 'oops'})

    const tree = await snapshotTree(path.join(project.dir, 'data'))
    expect(tree.map((e) => e.path)).to.deep.equal(['hello.txt', 'out', 'out/link', 'out/piped.txt', 'sub', 'sub/nested.txt'])
    const byPath = Object.fromEntries(tree.map((e) => [e.path, e]))
    expect(byPath['out/piped.txt']).to.include({type: 'file', uid: 1234, gid: 4321, mode: 0o640, size: 6, sha256: sha256('piped\n')})
    expect(byPath['out/link']).to.include({type: 'symlink', linkTarget: '../hello.txt'})
    expect(byPath['out']).to.include({type: 'dir', size: 0})
    expect(byPath['hello.txt']!.mtimeMs % 1000).to.equal(0)
  })

  it('runs the built CLI as a subprocess', async function () {
    const {exitCode, stdout} = await runCli(['--version'], {cwd: project.dir})
    expect(exitCode).to.equal(0)
    expect(stdout).to.match(/^backupbot\/\d+\.\d+\.\d+/)
  })

  it('down() removes containers, networks, volumes and the temp dir', async function () {
    const {name, dir} = project
    expect((await resourcesOf(name)).networks).to.have.length(1)
    await project.down()
    const left = await resourcesOf(name)
    expect(left.containers).to.deep.equal([])
    expect(left.networks).to.deep.equal([])
    expect(left.volumes).to.deep.equal([])
    expect(existsSync(dir)).to.equal(false)
  })

  it('cleanupTestResources() removes leftovers labelled backupbot.test=1', async function () {
    const d = docker()
    const labels = {[TEST_LABEL]: '1'}
    const volumeName = `bbtest-leftover-${process.pid}`
    await d.createVolume({Name: volumeName, Labels: labels})
    const container = await d.createContainer({
      Image: TEST_IMAGES.busybox,
      Cmd: ['sleep', '3600'],
      Labels: labels,
      HostConfig: {Binds: [`${volumeName}:/v`]},
    })
    await container.start()
    const report = await cleanupTestResources()
    expect(report.volumes).to.include(volumeName)
    expect(report.containers).to.have.length.greaterThan(0)
    const containers = await d.listContainers({all: true, filters: {label: [`${TEST_LABEL}=1`]}})
    expect(containers).to.deep.equal([])
    const {Volumes: volumes} = await d.listVolumes({filters: {label: [`${TEST_LABEL}=1`]}})
    expect(volumes ?? []).to.deep.equal([])
  })
})
