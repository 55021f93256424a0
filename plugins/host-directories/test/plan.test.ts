import {expect} from 'chai'
import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

import type {ContainerRef, MountInfo, PlanContext} from 'backupbot'
import {fakePlanContext, fakeService, recordingLogger} from 'backupbot/testing'

import {hostDirectoriesScheme as scheme} from '../src/index.js'

describe('planning backup_host_directories', function () {
  let dir: string
  let ctx: PlanContext
  let socketServer: net.Server
  let users: ContainerRef[] = []

  let log: ReturnType<typeof recordingLogger>

  const bind = (source: string, target: string): MountInfo => ({type: 'bind', source, target, readOnly: false, backedUp: true})
  const svc = (mounts: MountInfo[]) => fakeService('web', {mounts})

  before(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bb-hostdirs-'))
    await mkdir(path.join(dir, 'data/sub'), {recursive: true})
    socketServer = net.createServer().listen(path.join(dir, 'app.sock'))
    await new Promise((r) => socketServer.once('listening', r))
  })

  after(async function () {
    socketServer.close()
    await rm(dir, {recursive: true, force: true})
  })

  beforeEach(function () {
    log = recordingLogger()
    ctx = fakePlanContext({project: {name: 'p', directory: dir, services: {}}, log, docker: {containers: {usingHostPath: async () => users}}}).ctx
  })

  it('plans one tar per bind mount for "all", compressed by the core, named relative to the project', async function () {
    const items = await scheme.plan(ctx, svc([bind(path.join(dir, 'data'), '/data'), bind('/etc/hostname', '/h')]), {directories: ['all']})
    expect(items.map((i) => [i.folder, i.name, i.extension, i.compress])).to.deep.equal([
      ['bind_mounts', 'data', '.tar', true],
      ['bind_mounts', '/etc/hostname', '.tar', true],
    ])
  })

  it('leaves out sockets with a warning instead of failing', async function () {
    const items = await scheme.plan(ctx, svc([bind(path.join(dir, 'app.sock'), '/run/app.sock')]), {})
    expect(items).to.deep.equal([])
    expect(log.lines.filter((l) => l.startsWith('warn: ')).join()).to.contain('app.sock is not a file or directory')
  })

  it('selects listed directories by relative host path, absolute host path or container path', async function () {
    const mounts = [bind(path.join(dir, 'data'), '/data'), bind(path.join(dir, 'data/sub'), '/sub')]
    for (const wanted of ['./data', path.join(dir, 'data'), '/data', '/data/']) {
      const items = await scheme.plan(ctx, svc(mounts), {directories: [wanted]})
      expect(items.map((i) => i.name), wanted).to.deep.equal(['data'])
    }
  })

  it('lists the running containers it would stop only with stop: true', async function () {
    users = [{id: 'a', name: 'web-1', running: true}, {id: 'b', name: 'old-1', running: false}]
    const mounts = [bind(path.join(dir, 'data'), '/data')]
    expect((await scheme.plan(ctx, svc(mounts), {})).map((i) => i.stops)).to.deep.equal([[]])
    const [stopping] = await scheme.plan(ctx, svc(mounts), {stop: true})
    expect(stopping.stops).to.deep.equal(['web-1'])
    expect(stopping.data).to.deep.equal({path: path.join(dir, 'data'), stop: true})
  })

  it('rejects a listed path that is not a bind mount of the service, listing the mounts', async function () {
    const error = await scheme.plan(ctx, svc([bind(path.join(dir, 'data'), '/data')]), {directories: ['/srv/other']}).catch((e) => e)
    expect(error.message).to.contain('"/srv/other" is not a bind mount of service web').and.to.contain('(/data)')
  })
})
