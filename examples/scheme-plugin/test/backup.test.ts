// Unit tests of backup_exec on backupbot/testing: the engine is faked, everything the core does
// on top of it (ctx.commands) is the core's real code. The end-to-end test, on a real engine,
// is test/integration/example-plugin.test.ts of the backupbot repository.
import {expect} from 'chai'

import type {BackupItem} from 'backupbot'
import {collect, fakePlanContext, fakeRunContext, fakeService} from 'backupbot/testing'

import {execScheme as scheme} from '../src/index.js'

const item: BackupItem<{command: string[]}> = {
  service: 'db',
  scheme: 'backup_exec',
  folder: 'exec',
  name: 'greeting',
  source: 'sh -c echo hello',
  extension: '.out',
  compress: true,
  data: {command: ['sh', '-c', 'echo hello']},
}

describe('backup_exec', function () {
  it('plans one item, compressed by the core unless compress is false', async function () {
    const {ctx} = fakePlanContext()
    const [planned] = await scheme.plan(ctx, fakeService('db'), {command: ['redis-cli', '--rdb', '-'], name: 'redis'})
    expect(planned).to.deep.include({folder: 'exec', name: 'redis', source: 'redis-cli --rdb -', extension: '.out', compress: true})
    const [plain] = await scheme.plan(ctx, fakeService('db'), {command: ['redis-cli', '--rdb', '-'], name: 'redis', compress: false})
    expect(plain!.compress).to.equal(false)
  })

  it("writes the command's standard output, run in the service's running container", async function () {
    const {ctx, calls} = fakeRunContext({exec: () => ({stdout: 'hello\n'})})
    const out = collect()
    await scheme.backup(ctx, item, out.out)
    expect(out.text()).to.equal('hello\n')
    expect(calls.map((c) => [c.container, c.cmd])).to.deep.equal([['c1', ['sh', '-c', 'echo hello']]])
  })

  it('fails with the exit code and stderr when the command fails', async function () {
    const {ctx} = fakeRunContext({exec: () => ({stderr: 'oops\n', exitCode: 3})})
    const error = await scheme.backup(ctx, item, collect().out).catch((e: Error) => e)
    expect((error as Error).message).to.equal('sh exited with 3: oops')
  })

  it('fails clearly when the service runs no container, without running anything', async function () {
    const {ctx, calls} = fakeRunContext({containers: []})
    const error = await scheme.backup(ctx, item, collect().out).catch((e: Error) => e)
    expect((error as Error).message).to.contain('service db has no running container')
    expect(calls).to.deep.equal([])
  })
})
