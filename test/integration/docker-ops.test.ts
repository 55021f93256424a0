// src/docker/ against the real engine: exec, reading and writing volumes, helper containers,
// host path users, stop/start.
import {expect} from 'chai'
import {mkdir, mkdtemp, readdir, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {buffer} from 'node:stream/consumers'
import {fileURLToPath} from 'node:url'
import {execa} from 'execa'
import {Parser, type ReadEntry} from 'tar'

import {getArchive} from '../../src/docker/archive.js'
import {connectEngine} from '../../src/docker/engine.js'
import {createDockerOps, type CoreDockerOps} from '../../src/docker/ops.js'
import {RestartJournal} from '../../src/run/restart-journal.js'
import type {ContainerRef, ExecHandle} from '../../src/scheme.js'
import {quietLogger} from '../support/fakes.js'
import {type ComposeProject, startComposeProject, waitUntil} from '../support/compose.js'
import {docker, requireEngine, requireImages, TEST_IMAGES, TEST_LABEL} from '../support/engine.js'

const FIXTURE = fileURLToPath(new URL('../fixtures/stop-start-project', import.meta.url))
const BUSYBOX = TEST_IMAGES.busybox

async function collect(stream: Readable): Promise<string> {
  let text = ''
  for await (const chunk of stream) text += chunk
  return text
}

async function outputOf(handle: ExecHandle): Promise<{stdout: string; stderr: string; exitCode: number}> {
  const [stdout, stderr, exitCode] = await Promise.all([collect(handle.stdout), collect(handle.stderr), handle.exitCode])
  return {stdout, stderr, exitCode}
}

/** Helper containers this test process created and that still exist. */
async function myHelpers(): Promise<string[]> {
  const list = await docker().listContainers({all: true, filters: {label: [`backupbot.pid=${process.pid}`]}})
  return list.map((c) => c.Id)
}

async function running(id: string): Promise<boolean> {
  return (await docker().getContainer(id).inspect()).State.Running
}

interface TarEntry {
  path: string
  type: string
  mode: number
  uid: number
  gid: number
  linkpath?: string
  content?: string
}

async function listTar(stream: Readable): Promise<TarEntry[]> {
  const entries: TarEntry[] = []
  const parser = new Parser({
    onReadEntry(entry: ReadEntry) {
      const item: TarEntry = {path: entry.path, type: entry.type, mode: (entry.mode ?? 0) & 0o7777, uid: entry.uid ?? -1, gid: entry.gid ?? -1}
      if (entry.linkpath) item.linkpath = entry.linkpath
      entries.push(item)
      if (entry.type === 'File' && (entry.size ?? 0) < 1024) {
        let content = ''
        entry.on('data', (d: Buffer) => (content += d))
        entry.on('end', () => (item.content = content))
      } else entry.resume()
    },
  })
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject)
    parser.on('error', reject)
    parser.on('end', () => resolve())
    stream.pipe(parser)
  })
  return entries
}

describe('docker operations against the real engine', function () {
  this.timeout(180_000)
  let project: ComposeProject
  let journalDir: string
  let journal: RestartJournal
  let ops: CoreDockerOps
  let volume: string
  const downtimes: number[] = []
  const log = quietLogger()

  before(async () => {
    await requireEngine()
    await requireImages(BUSYBOX)
    project = await startComposeProject(FIXTURE)
    journalDir = await mkdtemp(join(tmpdir(), 'backupbot-journal-'))
    journal = new RestartJournal(journalDir)
    ops = createDockerOps({engine: connectEngine(), project: project.name, journal, log, onDowntime: (s) => downtimes.push(s)})
    const volumes = (await docker().listVolumes({filters: {label: [`com.docker.compose.project=${project.name}`]}})).Volumes ?? []
    volume = volumes.find((v) => v.Labels?.['com.docker.compose.volume'] === 'shared')!.Name
    // Files with modes, owners and a symlink, plus 16 MB so that a read can be cut midway.
    await project.exec('app', [
      'sh',
      '-c',
      [
        'cd /data',
        'echo hello > a.txt && busybox chmod 640 a.txt && busybox chown 1234:5678 a.txt',
        'mkdir sub && echo deep > sub/b.txt && busybox chmod 750 sub && busybox chown 42:43 sub',
        'busybox ln -s a.txt link',
        'busybox dd if=/dev/zero of=big bs=1048576 count=16 2>/dev/null',
      ].join(' && '),
    ])
  })

  after(async () => {
    for (const id of await myHelpers().catch(() => [])) await docker().getContainer(id).remove({force: true}).catch(() => {})
    await project?.down()
    if (journalDir) await rm(journalDir, {recursive: true, force: true})
  })

  describe('exec', () => {
    it('streams stdout and stderr separately and returns the exit code', async () => {
      const id = await project.containerId('app')
      const result = await outputOf(await ops.exec(id, ['sh', '-c', 'echo out; echo err >&2; echo more; exit 5']))
      expect(result).to.deep.equal({stdout: 'out\nmore\n', stderr: 'err\n', exitCode: 5})
    })

    it('feeds stdin to the command and closes it', async () => {
      const id = await project.containerId('app')
      const result = await outputOf(await ops.exec(id, ['cat'], {stdin: Readable.from([Buffer.from('line 1\n'), Buffer.from('line 2\n')])}))
      expect(result).to.deep.equal({stdout: 'line 1\nline 2\n', stderr: '', exitCode: 0})
    })

    it('holds the command back while stdout is not read, instead of buffering its output', async () => {
      const id = await project.containerId('app')
      const handle = await ops.exec(id, ['cat', '/data/big'])
      const stderr = collect(handle.stderr)
      await new Promise((resolve) => setTimeout(resolve, 1500))
      expect(handle.stdout.readableLength).to.be.lessThan(4 * 1024 * 1024)
      let bytes = 0
      for await (const chunk of handle.stdout) bytes += (chunk as Buffer).length
      expect(bytes).to.equal(16 * 1024 * 1024)
      expect(await handle.exitCode).to.equal(0)
      expect(await stderr).to.equal('')
    })

    it('reports a missing executable with exit code 126 or 127', async () => {
      const id = await project.containerId('app')
      const result = await outputOf(await ops.exec(id, ['no-such-tool', '--version']))
      expect([126, 127]).to.include(result.exitCode)
      expect(result.stdout + result.stderr).to.match(/not found/)
    })

    it('passes the environment to the command, never in its Cmd nor in the host process list', async () => {
      const secret = `s3cret-${process.pid}-${Date.now()}`
      const id = await project.containerId('app')
      const handle = await ops.exec(id, ['sh', '-c', 'sleep 5; echo "value=$BB_SECRET"'], {env: {BB_SECRET: secret}})
      const output = outputOf(handle)
      // While it runs: the exec as the engine reports it, and every process on the host.
      const execIds = await waitUntil(async () => (await docker().getContainer(id).inspect()).ExecIDs ?? undefined, {what: 'an exec id'})
      const inspected = await Promise.all(execIds.map((e) => docker().getExec(e).inspect()))
      expect(inspected.some((e) => e.Running)).to.equal(true)
      expect(JSON.stringify(inspected)).not.to.include(secret)
      const ps = await waitUntil(
        async () => {
          const list = (await execa('ps', ['-eo', 'pid,args', 'ww'])).stdout
          return list.includes('value=$BB_SECRET') && list
        },
        {what: 'the exec in the host process list', timeoutMs: 4000},
      )
      expect(ps).not.to.include(secret)
      expect(await output).to.deep.equal({stdout: `value=${secret}\n`, stderr: '', exitCode: 0})
      expect(log.lines.join('\n')).not.to.include(secret)
    })

    it('fails with the container named when it does not run', async () => {
      const id = await project.containerId('idle')
      await project.compose(['stop', 'idle'])
      try {
        await ops.exec(id, ['true']).then(
          () => expect.fail('exec in a stopped container should fail'),
          (error: Error) => expect(error.message).to.match(/exec in .*(not running|is not running)/i),
        )
      } finally {
        await project.compose(['start', 'idle'])
      }
    })
  })

  describe('readVolume', () => {
    it('returns a tar of the volume with modes, owners and symlinks, and removes its helper', async () => {
      const entries = await listTar(await ops.volumes.read(volume, '/data', {image: BUSYBOX}))
      const byPath = new Map(entries.map((e) => [e.path.replace(/\/$/, ''), e]))
      expect([...byPath.keys()].sort()).to.deep.equal(['data', 'data/a.txt', 'data/big', 'data/link', 'data/sub', 'data/sub/b.txt'])
      expect(byPath.get('data/a.txt')).to.include({type: 'File', mode: 0o640, uid: 1234, gid: 5678, content: 'hello\n'})
      expect(byPath.get('data/sub')).to.include({type: 'Directory', mode: 0o750, uid: 42, gid: 43})
      expect(byPath.get('data/sub/b.txt')).to.include({content: 'deep\n'})
      expect(byPath.get('data/link')).to.include({type: 'SymbolicLink', linkpath: 'a.txt'})
      await waitUntil(async () => (await myHelpers()).length === 0, {what: 'the helper container to be removed', timeoutMs: 10_000})
    })

    it('removes its helper when the stream is destroyed midway', async () => {
      const stream = await ops.volumes.read(volume, '/data', {image: BUSYBOX})
      expect(await myHelpers()).to.have.length(1)
      await new Promise<void>((resolve) => stream.once('data', () => resolve()))
      stream.destroy()
      await waitUntil(async () => (await myHelpers()).length === 0, {what: 'the helper container to be removed', timeoutMs: 10_000})
    })

    it("reads over the engine's own socket the very bytes dockerode's client gets, and names a missing path as the engine does", async () => {
      const reader = await docker().createContainer({Image: BUSYBOX, Labels: {[TEST_LABEL]: '1'}, HostConfig: {Binds: [`${volume}:/data:ro`], LogConfig: {Type: 'none', Config: {}}}})
      try {
        const ours = await buffer(await getArchive(docker(), reader.id, '/data'))
        const theirs = await buffer((await reader.getArchive({path: '/data'})) as Readable)
        expect(ours.length).to.be.greaterThan(16 * 1024 * 1024)
        expect(ours.equals(theirs)).to.equal(true)
        const error = await getArchive(docker(), reader.id, '/nope').catch((e: Error) => e)
        expect((error as Error).message).to.match(/^reading \/nope from container [0-9a-f]{12}: Could not find the file \/nope in container/)
      } finally {
        await reader.remove({force: true})
      }
    })

    it('refuses a volume that does not exist (it would be created empty)', async () => {
      const error = await ops.volumes.read(`${project.name}_nope`, '/data', {image: BUSYBOX}).catch((e: Error) => e)
      expect((error as Error).message).to.match(/does not exist/)
      const volumes = (await docker().listVolumes()).Volumes ?? []
      expect(volumes.map((v) => v.Name)).not.to.include(`${project.name}_nope`)
    })
  })

  describe('runWithVolume', () => {
    it('streams stdout, reports a non-zero exit code and removes its helper', async () => {
      const handle = await ops.volumes.run(volume, '/backup', {image: BUSYBOX, cmd: ['sh', '-c', 'cat /backup/a.txt /backup/sub/b.txt; echo warn >&2; exit 3']})
      expect(await outputOf(handle)).to.deep.equal({stdout: 'hello\ndeep\n', stderr: 'warn\n', exitCode: 3})
      expect(await myHelpers()).to.deep.equal([])
    })

    it('mounts the volume read-only', async () => {
      const handle = await ops.volumes.run(volume, '/backup', {image: BUSYBOX, cmd: ['sh', '-c', 'echo x > /backup/new.txt']})
      const result = await outputOf(handle)
      expect(result.exitCode).not.to.equal(0)
      expect(result.stderr).to.match(/read-only/i)
    })

    it('removes its helper when the output is abandoned', async () => {
      const handle = await ops.volumes.run(volume, '/backup', {image: BUSYBOX, cmd: ['sh', '-c', 'while true; do cat /backup/big; done']})
      await new Promise<void>((resolve) => handle.stdout.once('data', () => resolve()))
      handle.stdout.destroy()
      await handle.exitCode.catch(() => {})
      await waitUntil(async () => (await myHelpers()).length === 0, {what: 'the helper container to be removed', timeoutMs: 15_000})
    })
  })

  describe('queries', () => {
    it('volumeUsers finds the containers of every service that mounts the volume', async () => {
      const users = await ops.containers.usingVolume(volume)
      expect(users.map((u) => u.service).sort()).to.deep.equal(['app', 'idle', 'worker'])
      expect(users.every((u) => u.running)).to.equal(true)
      expect(users.map((u) => u.id).sort()).to.deep.equal((await project.containers()).map((c) => c.Id).sort())
    })

    it('serviceContainers and serviceImage answer for a compose service', async () => {
      const [app] = await ops.containers.ofService('app')
      expect(app).to.include({id: await project.containerId('app'), running: true, service: 'app'})
      const image = await docker().getImage(BUSYBOX).inspect()
      expect(await ops.images.ofService('app')).to.equal(image.Id)
      expect(await ops.images.ofService('nope')).to.equal(undefined)
    })

    it('helpers run their command, not the image entrypoint', async () => {
      const id = await project.containerId('app')
      const image = `local/bbtest-entrypoint-${process.pid}:test`
      await docker().getContainer(id).commit({repo: image.split(':')[0], tag: 'test', changes: ['ENTRYPOINT ["sh", "-c", "echo entrypoint ran; exit 9"]']})
      try {
        expect(await ops.images.hasTool(image, 'tar')).to.equal(true)
        const handle = await ops.volumes.run(volume, '/backup', {image, cmd: ['cat', '/backup/a.txt']})
        expect(await outputOf(handle)).to.deep.equal({stdout: 'hello\n', stderr: '', exitCode: 0})
      } finally {
        await docker().getImage(image).remove({force: true}).catch(() => {})
      }
    })

    it('imageHasTool runs `command -v` in a helper and is false for a missing image', async () => {
      expect(await ops.images.hasTool(BUSYBOX, 'tar')).to.equal(true)
      expect(await ops.images.hasTool(BUSYBOX, 'mysqldump')).to.equal(false)
      expect(await ops.images.hasTool(BUSYBOX, 'tar; echo injected')).to.equal(false)
      expect(await ops.images.hasTool('local/no-such-image:bbtest', 'sh')).to.equal(false)
      expect(await myHelpers()).to.deep.equal([])
    })
  })

  describe('restore operations', () => {
    let restored: string
    let scratch: string
    const created: string[] = []

    before(async () => {
      restored = `${project.name}_restored`
      scratch = await mkdtemp(join(tmpdir(), 'backupbot-binds-'))
    })

    after(async () => {
      for (const id of created) await docker().getContainer(id).remove({force: true}).catch(() => {})
      for (const id of await myHelpers().catch(() => [])) await docker().getContainer(id).remove({force: true}).catch(() => {})
      await docker().getVolume(restored).remove().catch(() => {})
      await rm(scratch, {recursive: true, force: true})
    })

    /** A created (never started) container with these binds, as another project's would be. */
    async function withBinds(binds: string[]): Promise<string> {
      const container = await docker().createContainer({Image: BUSYBOX, Cmd: ['true'], Labels: {[TEST_LABEL]: '1'}, HostConfig: {Binds: binds}})
      created.push(container.id)
      return container.id
    }

    it('volumeExists and createVolume: a plain volume, created once', async () => {
      expect(await ops.volumes.exists(volume)).to.equal(true)
      expect(await ops.volumes.exists(restored)).to.equal(false)
      await ops.volumes.create(restored)
      expect(await ops.volumes.exists(restored)).to.equal(true)
      const info = await docker().getVolume(restored).inspect()
      expect(info.Driver).to.equal('local')
    })

    it('volumeIsEmpty: true for a new volume, false for one with files, and leaves no helper', async () => {
      expect(await ops.volumes.isEmpty(restored, {image: BUSYBOX})).to.equal(true)
      expect(await ops.volumes.isEmpty(volume, {image: BUSYBOX})).to.equal(false)
      expect(await myHelpers()).to.deep.equal([])
    })

    it('writeVolume puts a tar back with modes, owners, symlinks and the root entry, through a never started helper', async () => {
      const tar = await ops.volumes.read(volume, '/data', {image: BUSYBOX})
      // Another mount point with the same basename: only the entries' first component matters.
      await ops.volumes.write(restored, '/srv/elsewhere/data', tar, {image: BUSYBOX})
      const want = await listTar(await ops.volumes.read(volume, '/data', {image: BUSYBOX}))
      const got = await listTar(await ops.volumes.read(restored, '/data', {image: BUSYBOX}))
      expect(got).to.deep.equal(want)
      expect(got.find((e) => e.path === 'data/a.txt')).to.include({mode: 0o640, uid: 1234, gid: 5678, content: 'hello\n'})
      await waitUntil(async () => (await myHelpers()).length === 0, {what: 'the helper containers to be removed', timeoutMs: 10_000})
    })

    it('writeVolume keeps mtimes', async () => {
      const stat = (vol: string) =>
        execa('docker', ['run', '--rm', '--network', 'none', '-v', `${vol}:/v:ro`, BUSYBOX, 'sh', '-c', 'cd /v && stat -c "%n %Y %a %u:%g" a.txt sub sub/b.txt big'])
      expect((await stat(restored)).stdout).to.equal((await stat(volume)).stdout)
    })

    it('writeVolume refuses a volume that does not exist, and a broken tar stream, leaving no helper', async () => {
      const missing = await ops.volumes.write(`${project.name}_nope`, '/data', Readable.from([Buffer.alloc(1024)]), {image: BUSYBOX}).catch((e: Error) => e)
      expect((missing as Error).message).to.match(/does not exist/)
      expect(await ops.volumes.exists(`${project.name}_nope`)).to.equal(false)
      const broken = new Readable({
        read() {
          this.destroy(new Error('disk read failed'))
        },
      })
      const error = await ops.volumes.write(restored, '/data', broken, {image: BUSYBOX}).catch((e: Error) => e)
      expect(error).to.be.instanceOf(Error)
      expect((error as Error).message).to.match(/writing volume .*_restored/)
      expect(await myHelpers()).to.deep.equal([])
    })

    it('emptyVolume deletes everything inside (dot files, closed directories), keeping the volume', async () => {
      await execa('docker', ['run', '--rm', '--network', 'none', '-v', `${restored}:/v`, BUSYBOX, 'sh', '-c', 'touch /v/.hidden /v/..dots && mkdir -p /v/closed/deep && chmod 000 /v/closed'])
      expect(await ops.volumes.isEmpty(restored, {image: BUSYBOX})).to.equal(false)
      await ops.volumes.empty(restored, {image: BUSYBOX})
      expect(await ops.volumes.isEmpty(restored, {image: BUSYBOX})).to.equal(true)
      expect(await ops.volumes.exists(restored)).to.equal(true)
      expect(await myHelpers()).to.deep.equal([])
    })

    it('emptyVolume fails with the reason when the image has no find', async () => {
      const source = await docker().createContainer({Image: BUSYBOX, Cmd: ['rm', '/bin/find'], Labels: {[TEST_LABEL]: '1'}})
      created.push(source.id)
      await source.start()
      await source.wait()
      const image = `local/bbtest-nofind-${process.pid}`
      await source.commit({repo: image, tag: 'test'})
      try {
        await execa('docker', ['run', '--rm', '--network', 'none', '-v', `${restored}:/v`, BUSYBOX, 'touch', '/v/kept'])
        const error = await ops.volumes.empty(restored, {image: `${image}:test`}).catch((e: Error) => e)
        expect((error as Error).message).to.match(/emptying volume .*_restored.*find/)
        expect(await ops.volumes.isEmpty(restored, {image: BUSYBOX})).to.equal(false)
        expect(await myHelpers()).to.deep.equal([])
      } finally {
        await docker().getImage(`${image}:test`).remove({force: true}).catch(() => {})
      }
    })

    it('hostPathUsers finds containers that bind-mount the path, a path inside it or a folder holding it', async () => {
      const data = join(scratch, 'data')
      await mkdir(join(data, 'inner'), {recursive: true})
      await mkdir(join(scratch, 'other'))
      const exact = await withBinds([`${data}:/data`])
      const inner = await withBinds([`${join(data, 'inner')}:/inner:ro`])
      const parent = await withBinds([`${scratch}:/app`])
      await withBinds([`${join(scratch, 'other')}:/other`, `${data}-suffix-not-inside:/x`])
      await withBinds(['/:/host:ro'])
      const users = await ops.containers.usingHostPath(data)
      expect(users.map((u) => u.id).sort()).to.deep.equal([exact, inner, parent].sort())
      expect(users.every((u) => !u.running)).to.equal(true)
      expect(await ops.containers.usingHostPath(join(scratch, 'nowhere'))).to.deep.equal(users.filter((u) => u.id === parent))
    })
  })

  describe('withStopped', () => {
    let users: ContainerRef[]
    let ids: Record<string, string>

    beforeEach(async () => {
      await project.compose(['up', '-d'])
      await project.compose(['stop', 'idle'])
      users = await ops.containers.usingVolume(volume)
      ids = Object.fromEntries(users.map((u) => [u.service!, u.id]))
      downtimes.length = 0
    })

    afterEach(async () => {
      await project.compose(['up', '-d'])
    })

    it('stops only the running users, journals them during the work, starts them again after', async () => {
      const value = await ops.containers.withStopped(users, async () => {
        expect(await running(ids.app)).to.equal(false)
        expect(await running(ids.worker)).to.equal(false)
        const entries = await journal.pending()
        expect(entries.map((e) => e.id).sort()).to.deep.equal([ids.app, ids.worker].sort())
        expect(entries[0]).to.include({pid: process.pid, project: project.name})
        return 42
      })
      expect(value).to.equal(42)
      expect(await running(ids.app)).to.equal(true)
      expect(await running(ids.worker)).to.equal(true)
      expect(await running(ids.idle)).to.equal(false)
      expect(await journal.pending()).to.deep.equal([])
      expect(await readdir(journalDir)).to.deep.equal([])
      expect(downtimes).to.have.length(1)
      expect(downtimes[0]).to.be.greaterThan(0)
    })

    it('starts them again when the work throws, and rethrows', async () => {
      const error = await ops
        .containers.withStopped(users, async () => {
          throw new Error('work failed')
        })
        .catch((e: Error) => e)
      expect((error as Error).message).to.equal('work failed')
      expect(await running(ids.app)).to.equal(true)
      expect(await running(ids.worker)).to.equal(true)
      expect(await running(ids.idle)).to.equal(false)
      expect(await journal.pending()).to.deep.equal([])
    })

    it('starts them again at once when the AbortSignal fires, without waiting for the work', async () => {
      const controller = new AbortController()
      const interruptible = createDockerOps({engine: connectEngine(), project: project.name, journal, log, signal: controller.signal})
      const started = Date.now()
      const outcome = interruptible.containers.withStopped(users, async () => {
        controller.abort(new Error('interrupted'))
        await new Promise(() => {}) // a work that never ends
      })
      const error = await outcome.catch((e: Error) => e)
      expect((error as Error).message).to.equal('interrupted')
      expect(Date.now() - started).to.be.lessThan(30_000)
      expect(await running(ids.app)).to.equal(true)
      expect(await running(ids.worker)).to.equal(true)
      expect(await journal.pending()).to.deep.equal([])
      await interruptible.settled()
    })

    it('does nothing (and reports no downtime) when none of them runs', async () => {
      const stopped = users.filter((u) => u.service === 'idle')
      expect(await ops.containers.withStopped(stopped, async () => 'done')).to.equal('done')
      expect(await running(ids.idle)).to.equal(false)
      expect(downtimes).to.deep.equal([])
    })
  })
})
