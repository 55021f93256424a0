import {expect} from 'chai'

import type {ContainerRef, MountInfo, PlanContext, ServiceInfo} from 'backupbot'
import {fakePlanContext, fakeService} from 'backupbot/testing'

import {volumesScheme as scheme} from '../src/index.js'

describe('planning backup_volume', function () {
  let asked: string[]
  let users: Record<string, ContainerRef[]>
  let ctx: PlanContext

  const volume = (source: string, target: string, volumeName = `p_${source}`): MountInfo => ({type: 'volume', source, target, volumeName, readOnly: false, backedUp: true})
  const svc = (mounts: MountInfo[]): ServiceInfo => fakeService('web', {mounts})
  const web = svc([
    volume('data', '/var/lib/data'),
    volume('cache', '/cache', 'shared-cache'),
    {type: 'anonymous', target: '/tmp/anon', readOnly: false, backedUp: false, reason: 'anonymous volume: not backed up'},
    {type: 'bind', source: '/srv/site', target: '/site', readOnly: false, backedUp: true},
  ])

  beforeEach(function () {
    asked = []
    users = {
      p_data: [
        {id: '1', name: 'p_web_1', running: true, service: 'web'},
        {id: '2', name: 'p_worker_1', running: true, service: 'worker'},
        {id: '3', name: 'p_old_1', running: false},
      ],
    }
    ctx = fakePlanContext({
      project: {name: 'p', directory: '/srv/p', services: {web}},
      references: {'web.image': 'local/web:1'},
      docker: {
        containers: {
          async usingVolume(name) {
            asked.push(name)
            return users[name] ?? []
          },
        },
      },
    }).ctx
  })

  it('plans one tar per named volume for the default entry, compressed by the core, leaving out anonymous volumes and binds', async function () {
    const items = await scheme.plan(ctx, web, scheme.defaultEntry!)
    expect(items.map((i) => [i.folder, i.name, i.source, i.extension, i.compress])).to.deep.equal([
      ['named_volumes', 'data', 'volume p_data at /var/lib/data', '.tar', true],
      ['named_volumes', 'cache', 'volume shared-cache at /cache', '.tar', true],
    ])
    expect(items[0]!.data).to.include({volume: 'p_data', mountPoint: '/var/lib/data', stop: true})
    expect(items[0]!.data.argv).to.equal(undefined)
  })

  it('lists the running containers that use the volume as the ones it stops', async function () {
    const [data, cache] = await scheme.plan(ctx, web, {})
    expect(data!.stops).to.deep.equal(['p_web_1', 'p_worker_1'])
    expect(cache!.stops).to.deep.equal([])
  })

  it('stops nothing and asks nothing with stop: false', async function () {
    const items = await scheme.plan(ctx, web, {stop: false})
    expect(items.map((i) => i.stops)).to.deep.equal([[], []])
    expect(items[0]!.data.stop).to.equal(false)
    expect(asked).to.deep.equal([])
  })

  it('selects volumes by compose name or engine name, each once', async function () {
    for (const wanted of [['cache'], ['shared-cache'], ['cache', 'shared-cache']]) {
      const items = await scheme.plan(ctx, web, {volumes: wanted})
      expect(items.map((i) => i.name), wanted.join()).to.deep.equal(['cache'])
    }
  })

  it('rejects a volume the service does not mount, naming its volumes', async function () {
    const error = await scheme.plan(ctx, web, {volumes: ['nope']}).catch((e: Error) => e)
    expect(error).to.be.instanceOf(Error)
    expect((error as Error).message)
      .to.contain('"nope" is not a named volume of service web')
      .and.to.contain('data (engine name p_data, at /var/lib/data)')
      .and.to.contain('cache (engine name shared-cache, at /cache)')
  })

  it('plans nothing and asks the engine nothing for a service without named volumes', async function () {
    const items = await scheme.plan(ctx, svc([{type: 'bind', source: '/x', target: '/x', readOnly: false, backedUp: true}]), {})
    expect(items).to.deep.equal([])
    expect(asked).to.deep.equal([])
  })

  it('builds the command per mount point and keeps the options', async function () {
    process.env.BACKUPBOT_HELPER_IMAGE = 'local/helper:1'
    try {
      const [data] = await scheme.plan(ctx, web, {volumes: ['data'], command: 'tar -cjf', extension: '.tar.bz2', image: 'web.image'})
      // A command's output is stored as it is written: the core does not compress it again.
      expect([data!.extension, data!.compress]).to.deep.equal(['.tar.bz2', false])
      expect(data!.data).to.deep.include({argv: ['tar', '-cjf', '-', '/var/lib/data'], image: 'local/web:1', helperImage: 'local/helper:1'})
      const [bare] = await scheme.plan(ctx, web, {volumes: ['data'], command: 'tar -czf - -C /var/lib/data .', use_mountpoint: false, helper_image: 'h:2'})
      expect(bare!.data).to.deep.include({argv: ['tar', '-czf', '-', '-C', '/var/lib/data', '.'], helperImage: 'h:2'})
      expect([bare!.extension, bare!.compress]).to.deep.equal(['.tar.gz', false])
    } finally {
      delete process.env.BACKUPBOT_HELPER_IMAGE
    }
  })

  it('defaults the helper image to busybox:latest', async function () {
    const [data] = await scheme.plan(ctx, web, {volumes: ['data']})
    expect(data!.data.helperImage).to.equal('busybox:latest')
  })
  it('refuses an extension without command, which would misname the tar backupbot gzips', async function () {
    const error = await scheme.plan(ctx, web, {extension: '.tar.zst'}).catch((e: Error) => e)
    expect((error as Error).message).to.equal('extension .tar.zst applies only with command: without it the volume is read as a tar that backupbot compresses itself (choose how with compression: gzip, zstd or none)')
    const [data] = await scheme.plan(ctx, web, {volumes: ['data'], extension: '.tar.gz'})
    expect([data!.extension, data!.compress]).to.deep.equal(['.tar', true])
  })
})
