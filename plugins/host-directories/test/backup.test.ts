// backup_host_directories' backup with a fake engine and archive (backupbot/testing): the plain
// tar of the core's packPath goes into the artifact as it is (the core compresses it), with the
// containers that bind-mount the path stopped only with stop: true.
import {expect} from 'chai'
import {Readable} from 'node:stream'

import type {ContainerRef, RunContext} from 'backupbot'
import {collect, fakeRunContext} from 'backupbot/testing'

import {hostDirectoriesScheme as scheme} from '../src/index.js'
import {hostItem, hostPathEngine} from './engine.js'

describe('backing up a host directory (fake engine)', function () {
  let events: string[]
  let ctx: RunContext
  const users: ContainerRef[] = [{id: '1', name: 'p_app_1', running: true, service: 'app'}]
  const TAR = Buffer.from('data/\0data/a.txt\0a'.repeat(100))

  const item = (stop: boolean) => hostItem('/srv/p/data', stop)

  beforeEach(function () {
    events = []
    ctx = fakeRunContext({
      docker: hostPathEngine(events, users),
      archive: {
        packPath(p) {
          events.push(`pack ${p}`)
          return Readable.from([TAR.subarray(0, 700), TAR.subarray(700)])
        },
      },
    }).ctx
  })

  it('writes the plain tar of the path into the artifact, stopping nothing by default', async function () {
    const {out, bytes} = collect()
    await scheme.backup(ctx, item(false), out)
    expect(bytes().equals(TAR)).to.equal(true)
    expect(events).to.deep.equal(['pack /srv/p/data'])
  })

  it('with stop: true reads it while the containers that bind-mount it are stopped', async function () {
    const {out, bytes} = collect()
    await scheme.backup(ctx, item(true), out)
    expect(bytes().equals(TAR)).to.equal(true)
    expect(events).to.deep.equal(['users /srv/p/data', 'stop p_app_1', 'pack /srv/p/data', 'start'])
  })

  it('fails, and starts the containers again, when the path cannot be read', async function () {
    ctx.archive.packPath = () =>
      new Readable({
        read() {
          this.destroy(new Error('EACCES: permission denied, open /srv/p/data/secret'))
        },
      })
    const error = await scheme.backup(ctx, item(true), collect().out).catch((e: Error) => e)
    expect((error as Error).message).to.contain('EACCES')
    expect(events.at(-1)).to.equal('start')
  })
})
