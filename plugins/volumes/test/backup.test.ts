// backup_volume's run against a fake engine (backupbot/testing): what happens before, during and
// after the stop, and how failures surface. The real engine is exercised by test/integration/volumes.
import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {Readable, Writable} from 'node:stream'

import type {ContainerRef, ExecHandle, RunContext} from 'backupbot'
import {collect, execHandle, type FakeDockerOptions, fakeRunContext} from 'backupbot/testing'

import {volumesScheme as scheme} from '../src/index.js'
import type {VolumeItemData} from '../src/plan.js'
import {volumeEngine, volumeItem} from './engine.js'

const users: ContainerRef[] = [{id: '1', name: 'p_web_1', running: true, service: 'web'}]
const item = (data: Partial<VolumeItemData> = {}) => volumeItem('/data', data)

describe('backing up a volume (fake engine)', function () {
  let events: string[]
  let tools: Record<string, string[]>
  let docker: FakeDockerOptions
  let volumeBytes: Buffer
  let run: ExecHandle
  let abort: (reason?: Error) => void

  /** The run context, with the engine as `docker` says when it is made. */
  function context(): RunContext {
    const fake = fakeRunContext({docker, scheme: 'backup_volume'})
    abort = fake.abort
    return fake.ctx
  }

  beforeEach(function () {
    events = []
    tools = {'svc-image': ['tar'], 'helper:1': ['tar', 'zstd']}
    volumeBytes = randomBytes(300_000)
    run = execHandle({stdout: 'archive'})
    docker = {
      ...volumeEngine(events, {users, tools}),
      volumes: {
        async read(volume, mountPoint, {image}) {
          events.push(`read ${volume} ${mountPoint} ${image}`)
          return Readable.from([volumeBytes.subarray(0, 100_000), volumeBytes.subarray(100_000)])
        },
        // The helper is created here; `read` (faked above, replaced by some tests) streams the volume.
        async prepareRead(volume, mountPoint, options) {
          events.push(`helper ${volume} ${mountPoint} ${options.image}`)
          return {read: () => docker.volumes!.read!(volume, mountPoint, options), remove: async () => void events.push('helper removed')}
        },
        async run(volume, mountPoint, {image, cmd}) {
          events.push(`run ${volume} ${mountPoint} ${image} ${cmd.join(' ')}`)
          return run
        },
      },
    }
  })

  it('reads the volume through the archive API while stopped and writes the plain tar (the core compresses it), with everything else done first', async function () {
    const {out, bytes} = collect()
    await scheme.backup(context(), item(), out)
    expect(bytes().equals(volumeBytes)).to.equal(true)
    // The temporary container is created before the stop: the downtime is the read alone.
    expect(events).to.deep.equal(['image of web', 'users p_data', 'helper p_data /data svc-image', 'stop p_web_1', 'read p_data /data svc-image', 'start', 'helper removed'])
  })

  it('removes the temporary container when the containers cannot be stopped, reading nothing', async function () {
    docker.containers!.withStopped = async () => {
      events.push('stop failed')
      throw new Error('stopping p_web_1: engine busy')
    }
    const error = await scheme.backup(context(), item(), collect().out).catch((e: Error) => e)
    expect((error as Error).message).to.equal('stopping p_web_1: engine busy')
    expect(events.slice(-2)).to.deep.equal(['stop failed', 'helper removed'])
    expect(events.some((e) => e.startsWith('read '))).to.equal(false)
  })

  it('uses the configured image as is for the archive API (no tool needed)', async function () {
    await scheme.backup(context(), item({image: 'mine:2'}), collect().out)
    expect(events).to.include('read p_data /data mine:2')
    expect(events.filter((e) => e.startsWith('has '))).to.deep.equal([])
  })

  it('falls back to the helper image when the service has none', async function () {
    docker.images!.ofService = async () => undefined
    await scheme.backup(context(), item(), collect().out)
    expect(events).to.include('read p_data /data helper:1')
  })

  it('stops nothing with stop: false', async function () {
    await scheme.backup(context(), item({stop: false}), collect().out)
    expect(events).to.deep.equal(['image of web', 'helper p_data /data svc-image', 'read p_data /data svc-image', 'helper removed'])
  })

  it('runs a command in the service image when it has the tool, its stdout being the artifact', async function () {
    const {out, bytes} = collect()
    await scheme.backup(context(), item({argv: ['tar', '-czf', '-', '/data']}), out)
    expect(bytes().toString()).to.equal('archive')
    expect(events).to.deep.equal(['image of web', 'has svc-image tar', 'users p_data', 'stop p_web_1', 'run p_data /data svc-image tar -czf - /data', 'start'])
  })

  it('runs the command in the helper image when the chosen image lacks the tool', async function () {
    await scheme.backup(context(), item({argv: ['zstd', '-c'], image: 'mine:2'}), collect().out)
    expect(events).to.include('run p_data /data helper:1 zstd -c')
  })

  it('fails before stopping anything when no image has the tool', async function () {
    const error = await scheme.backup(context(), item({argv: ['nosuchtool', '-czf', '-', '/data']}), collect().out).catch((e: Error) => e)
    expect((error as Error).message).to.contain('neither image svc-image nor the helper image helper:1 has "nosuchtool"')
    expect(events.some((e) => e.startsWith('stop'))).to.equal(false)
  })

  it('fails with the end of stderr on a non-zero exit, and starts the containers again', async function () {
    run = execHandle({stdout: '', stderr: `${'x'.repeat(10_000)}\ntar: /nope: No such file or directory\n`, exitCode: 2})
    const error = await scheme.backup(context(), item({argv: ['tar', '-czf', '-', '/nope']}), collect().out).catch((e: Error) => e)
    // The core puts the last lines of stderr on one line (commands.save's message).
    expect((error as Error).message).to.match(/^tar -czf - \/nope \(image svc-image\) exited with code 2: …x+ \| tar: \/nope: No such file or directory$/)
    expect((error as Error).message.length).to.be.lessThan(4200)
    expect(events.at(-1)).to.equal('start')
  })

  it('keeps the error message bounded however much the command writes on stderr', async function () {
    run = execHandle({stdout: '', stderr: `${'x'.repeat(200_000)}\ntar: /nope: No such file or directory\n`, exitCode: 2})
    const error = await scheme.backup(context(), item({argv: ['tar', '-czf', '-', '/nope']}), collect().out).catch((e: Error) => e)
    expect((error as Error).message).to.match(/: No such file or directory$/)
    // The core keeps the end of each of the last lines (1 KiB each).
    expect((error as Error).message.length).to.be.lessThan(4200)
  })

  it('fails and starts the containers again when the volume cannot be read', async function () {
    docker.volumes!.read = async () => {
      throw new Error('No such image: svc-image')
    }
    const error = await scheme.backup(context(), item(), collect().out).catch((e: Error) => e)
    expect((error as Error).message).to.equal('No such image: svc-image')
    expect(events.slice(-2)).to.deep.equal(['start', 'helper removed'])
  })

  it('reports a broken archive stream and starts the containers again', async function () {
    docker.volumes!.read = async () =>
      new Readable({
        read() {
          this.destroy(new Error('unexpected EOF from the engine'))
        },
      })
    const error = await scheme.backup(context(), item(), collect().out).catch((e: Error) => e)
    expect((error as Error).message).to.equal('unexpected EOF from the engine')
    expect(events.slice(-2)).to.deep.equal(['start', 'helper removed'])
  })

  it('fails when the output of a command cannot be written, and starts the containers again', async function () {
    const out = new Writable({write: (_chunk, _encoding, callback) => callback(new Error('disk full'))})
    const error = await scheme.backup(context(), item({argv: ['tar', '-czf', '-', '/data']}), out).catch((e: Error) => e)
    expect((error as Error).message).to.equal('the output could not be written: disk full')
    expect(events.at(-1)).to.equal('start')
  })

  it('starts the containers again once the volume is read, before a slow artifact is fully written', async function () {
    let writes = 0
    const slow = new Writable({
      highWaterMark: 1 << 20,
      write(_chunk, _enc, cb) {
        writes++
        setTimeout(cb, 5)
      },
    })
    slow.on('finish', () => events.push('written'))
    await scheme.backup(context(), item(), slow)
    expect(writes).to.be.greaterThan(0)
    expect(events.indexOf('start')).to.be.lessThan(events.indexOf('written'))
  })

  it('gives up and starts the containers again when interrupted', async function () {
    docker.volumes!.read = async () => {
      setTimeout(() => abort(), 20)
      return new Readable({read() {}}) // never ends on its own
    }
    const error = await scheme.backup(context(), item(), collect().out).catch((e: Error) => e)
    expect((error as Error).name).to.equal('AbortError')
    expect(events.slice(-2)).to.deep.equal(['start', 'helper removed'])
  })

  it('gives up on a command and starts the containers again when interrupted', async function () {
    run = execHandle({stdout: new Readable({read() {}})}) // never ends on its own
    const ctx = context()
    setTimeout(() => abort(), 20)
    const error = await scheme.backup(ctx, item({argv: ['tar', '-czf', '-', '/data']}), collect().out).catch((e: Error) => e)
    expect((error as Error).name).to.equal('AbortError')
    expect(events.at(-1)).to.equal('start')
  })
})
