// The before/on_error/after orchestration with a fake hook runner: order, `after` always,
// on_error only on failure, a failing `before` skips the work, the interrupt, the environment.
import {expect} from 'chai'

import type {Hook, HookSet} from '../../../../src/config/settings/types.js'
import {type Guarded, type HookScope, HookSets} from '../../../../src/run/hooks/hook-sets.js'
import type {HookCall, HookRunner} from '../../../../src/run/hooks/runner.js'
import {SecretMasker, quietLogger} from '../../../support/fakes.js'

/** A host hook named `name` (the fake runner goes by its program). */
const hook = (name: string): Hook => ({run: [name]})

/** Records every call; a hook whose program is in `failing` throws that message. */
function fakeRunner(failing: Record<string, string> = {}, also?: (call: HookCall) => Promise<void>): HookRunner & {calls: HookCall[]; order: string[]} {
  const calls: HookCall[] = []
  const order: string[] = []
  const runner = async (call: HookCall) => {
    calls.push(call)
    const name = (call.hook as {run: string[]}).run[0]!
    order.push(name)
    call.onLine(`${name} says hello`)
    await also?.(call)
    if (failing[name]) throw new Error(failing[name])
  }
  return Object.assign(runner, {calls, order})
}

const scope: HookScope = {service: 'web', project: 'shop', places: () => [{project: 'shop', directory: '/srv/shop'}]}

/** Work that records itself in `order` and ends with `status`. */
function work(order: string[], status: 'ok' | 'failed' = 'ok', error?: string): Guarded<string> {
  return {
    async work() {
      order.push('work')
      return status
    },
    skipped: (why) => `skipped: ${why}`,
    outcome: (result) => (result === 'ok' ? {status: 'ok'} : {status: 'failed', error}),
  }
}

function sets(runner: HookRunner, signal = new AbortController().signal, masker = new SecretMasker()) {
  const log = quietLogger()
  return {log, hooks: new HookSets({runner, log, masker, signal})}
}

describe('HookSets.withHooks', function () {
  const set: HookSet = {before: [hook('b1'), hook('b2')], on_error: [hook('e1')], after: [hook('a1'), hook('a2')]}

  it('runs before in order, then the work, then after in order, and no on_error when the work succeeded', async function () {
    const runner = fakeRunner()
    const {hooks} = sets(runner)
    const result = await hooks.withHooks(set, scope, work(runner.order))
    expect(result).to.equal('ok')
    expect(runner.order).to.deep.equal(['b1', 'b2', 'work', 'a1', 'a2'])
    expect(hooks.results.map((r) => [r.phase, r.hook, r.status, r.service, r.project])).to.deep.equal([
      ['before', 'run: b1', 'ok', 'web', 'shop'],
      ['before', 'run: b2', 'ok', 'web', 'shop'],
      ['after', 'run: a1', 'ok', 'web', 'shop'],
      ['after', 'run: a2', 'ok', 'web', 'shop'],
    ])
  })

  it('runs on_error and then after when the work failed, with the status and the first error in their environment', async function () {
    const runner = fakeRunner()
    const {hooks} = sets(runner)
    await hooks.withHooks(set, scope, work(runner.order, 'failed', 'db: dump broke off'))
    expect(runner.order).to.deep.equal(['b1', 'b2', 'work', 'e1', 'a1', 'a2'])
    const [onError, after] = [runner.calls[2]!, runner.calls[3]!]
    expect(onError.env).to.deep.equal({BACKUPBOT_HOOK: 'on_error', BACKUPBOT_PROJECT: 'shop', BACKUPBOT_SERVICE: 'web', BACKUPBOT_STATUS: 'failed', BACKUPBOT_ERROR: 'db: dump broke off'})
    expect(after.env).to.deep.equal({BACKUPBOT_HOOK: 'after', BACKUPBOT_PROJECT: 'shop', BACKUPBOT_SERVICE: 'web', BACKUPBOT_STATUS: 'failed'})
    expect(runner.calls[0]!.env).to.deep.equal({BACKUPBOT_HOOK: 'before', BACKUPBOT_PROJECT: 'shop', BACKUPBOT_SERVICE: 'web'})
    expect(runner.calls[0]!.directory).to.equal('/srv/shop')
  })

  it('stops at a failing before hook, skips the work with its message, then runs on_error and after', async function () {
    const runner = fakeRunner({b1: 'exited with code 3: not ready'})
    const {hooks, log} = sets(runner)
    const result = await hooks.withHooks(set, scope, work(runner.order))
    expect(result).to.equal('skipped: before hook failed: run: b1: exited with code 3: not ready')
    expect(runner.order).to.deep.equal(['b1', 'e1', 'a1', 'a2'])
    expect(runner.calls[1]!.env.BACKUPBOT_ERROR).to.equal('before hook failed: run: b1: exited with code 3: not ready')
    expect(hooks.results[0]).to.deep.include({phase: 'before', status: 'failed', error: 'exited with code 3: not ready'})
    expect(log.lines).to.include('warning: hook before[0] web failed (run: b1): exited with code 3: not ready')
  })

  it('records a failing after or on_error hook and still runs the ones after it', async function () {
    const runner = fakeRunner({e1: 'no mail today', a1: 'timed out after 1 s: stopped'})
    const {hooks} = sets(runner)
    await hooks.withHooks(set, scope, work(runner.order, 'failed', 'broken'))
    expect(runner.order).to.deep.equal(['b1', 'b2', 'work', 'e1', 'a1', 'a2'])
    expect(hooks.results.map((r) => `${r.phase} ${r.hook} ${r.status}`)).to.deep.equal(['before run: b1 ok', 'before run: b2 ok', 'on_error run: e1 failed', 'after run: a1 failed', 'after run: a2 ok'])
  })

  it('runs on_error and after when the work throws, and rethrows its error', async function () {
    const runner = fakeRunner()
    const {hooks} = sets(runner)
    const throwing: Guarded<string> = {...work(runner.order), work: () => Promise.reject(new Error('lost the engine'))}
    let caught: unknown
    await hooks.withHooks(set, scope, throwing).catch((error: unknown) => (caught = error))
    expect((caught as Error).message).to.equal('lost the engine')
    expect(runner.order).to.deep.equal(['b1', 'b2', 'e1', 'a1', 'a2'])
    expect(runner.calls[2]!.env.BACKUPBOT_ERROR).to.equal('lost the engine')
  })

  it('after an interrupt during the work: on_error and after run with the status interrupted, without the interrupt signal', async function () {
    const controller = new AbortController()
    const runner = fakeRunner()
    const {hooks} = sets(runner, controller.signal)
    const interrupted: Guarded<string> = {
      ...work(runner.order),
      async work() {
        controller.abort()
        return 'ok'
      },
    }
    await hooks.withHooks(set, scope, interrupted)
    expect(runner.order).to.deep.equal(['b1', 'b2', 'e1', 'a1', 'a2'])
    expect(runner.calls.slice(2).map((c) => c.env.BACKUPBOT_STATUS)).to.deep.equal(['interrupted', 'interrupted', 'interrupted'])
    expect(runner.calls[2]!.env.BACKUPBOT_ERROR).to.equal('interrupted')
    // Only before hooks are stopped by the interrupt: the others must run to their end.
    expect(runner.calls.map((c) => c.signal === controller.signal)).to.deep.equal([true, true, false, false, false])
  })

  it('runs no hook at all once the run is interrupted before the set begins', async function () {
    const controller = new AbortController()
    controller.abort()
    const runner = fakeRunner()
    const {hooks} = sets(runner, controller.signal)
    expect(await hooks.withHooks(set, scope, work(runner.order))).to.equal('ok')
    expect(runner.order).to.deep.equal(['work'])
    expect(hooks.results).to.deep.equal([])
  })

  it('runs after (and no before) for a set with only after hooks', async function () {
    const runner = fakeRunner()
    const {hooks} = sets(runner)
    await hooks.withHooks({after: [hook('a1')]}, scope, work(runner.order))
    expect(runner.order).to.deep.equal(['work', 'a1'])
  })

  it('logs every output line with the hook prefix and masks secrets in lines, messages and results', async function () {
    const masker = new SecretMasker()
    masker.add('hello')
    const runner = fakeRunner({a1: 'said hello and died'})
    const {hooks, log} = sets(runner, undefined, masker)
    await hooks.withHooks({before: [hook('b1')], after: [hook('a1')]}, {places: scope.places}, work(runner.order))
    expect(log.lines).to.include('hook before[0]: b1 says ***')
    expect(log.lines).to.include('hook before[0]: run: b1')
    expect(log.lines).to.include('warning: hook after[0] failed (run: a1): said *** and died')
    expect(hooks.results[1]).to.deep.include({phase: 'after', status: 'failed', error: 'said *** and died'})
    expect(hooks.results[1]).not.to.have.property('service')
  })

  it('runs a hook once per place, each labelled with its project when there are several', async function () {
    const runner = fakeRunner()
    const {hooks, log} = sets(runner)
    const twoProjects: HookScope = {places: () => [{project: 'a', directory: '/a'}, {project: 'b', directory: '/b'}]}
    await hooks.withHooks({before: [hook('b1')]}, twoProjects, work(runner.order))
    expect(runner.calls.map((c) => [c.project, c.directory])).to.deep.equal([['a', '/a'], ['b', '/b']])
    expect(log.lines).to.include('hook before[0] in b: b1 says hello')
  })

  it('records each hook with the seconds it took', async function () {
    const runner = fakeRunner({}, () => new Promise((resolve) => setTimeout(resolve, 60)))
    const {hooks} = sets(runner)
    await hooks.withHooks({before: [hook('b1')]}, scope, work(runner.order))
    expect(hooks.results[0]!.seconds).to.be.within(0.05, 1)
  })
})
