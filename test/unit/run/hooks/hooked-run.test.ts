// runBackup with hooks, fake schemes and a fake hook runner: the run's hooks around every item,
// each service's around its own (grouped), what a failing before skips, and the result.
import {expect} from 'chai'
import {existsSync} from 'node:fs'

import type {RunHooks} from '../../../../src/config/settings/types.js'
import type {LocatedItem} from '../../../../src/plan/make-plan.js'
import {serviceGroups} from '../../../../src/run/hooks/hooked-run.js'
import type {HookCall} from '../../../../src/run/hooks/runner.js'
import {runBackup} from '../../../../src/run/run-backup.js'
import {planOf, located, runInput, scheme, useTempDir, writes} from '../../../support/run-fakes.js'

describe('runBackup with hooks', function () {
  const target = useTempDir()
  const order: string[] = []

  /** An item of `service` whose scheme records that it ran. */
  function itemOf(service: string, name: string): LocatedItem & {itemDir: string} {
    const item = located(target(), name, 'backup_plain')
    return {...item, service, key: {...item.key, service}}
  }

  const plain = scheme('backup_plain', async (ctx, item, out) => {
    order.push(`item ${item.name}`)
    await writes(item.name)(ctx, item, out)
  })

  /** Records `<phase> <program>`; programs named in `failing` fail. */
  function runner(failing: string[] = []) {
    return async (call: HookCall) => {
      const name = (call.hook as {run: string[]}).run[0]!
      order.push(`${call.env.BACKUPBOT_HOOK} ${name}`)
      if (failing.includes(name)) throw new Error(`${name} exited with code 1`)
    }
  }

  function run(items: LocatedItem[], settings: RunHooks, failing: string[] = []) {
    return runBackup(runInput(target(), items, [plain], {hooks: {settings, runner: runner(failing), signal: new AbortController().signal, cwd: '/'}}))
  }

  beforeEach(() => (order.length = 0))

  const h = (name: string) => ({run: [name]})

  it('runs the run hooks around all items and each service hook set around its own items, a service\'s items together', async function () {
    const items = [itemOf('db', 'd1'), itemOf('web', 'w1'), itemOf('db', 'd2')]
    const result = await run(items, {before: [h('run-before')], after: [h('run-after')], services: {db: {before: [h('db-before')], after: [h('db-after')]}, web: {after: [h('web-after')]}}})
    expect(order).to.deep.equal(['before run-before', 'before db-before', 'item d1', 'item d2', 'after db-after', 'item w1', 'after web-after', 'after run-after'])
    expect(result.ok).to.equal(true)
    expect(result.items.map((i) => i.item)).to.deep.equal(['d1', 'd2', 'w1'])
    expect(result.hooks!.map((x) => [x.phase, x.service, x.hook, x.status])).to.deep.equal([
      ['before', undefined, 'run: run-before', 'ok'],
      ['before', 'db', 'run: db-before', 'ok'],
      ['after', 'db', 'run: db-after', 'ok'],
      ['after', 'web', 'run: web-after', 'ok'],
      ['after', undefined, 'run: run-after', 'ok'],
    ])
  })

  it('a failing service before skips that service\'s items only (nothing written), runs its on_error and after, and fails the run', async function () {
    const d1 = itemOf('db', 'd1')
    const items = [d1, itemOf('web', 'w1')]
    const result = await run(items, {services: {db: {before: [h('db-before')], on_error: [h('db-error')], after: [h('db-after')]}}, on_error: [h('run-error')]}, ['db-before'])
    expect(order).to.deep.equal(['before db-before', 'on_error db-error', 'after db-after', 'item w1', 'on_error run-error'])
    expect(result.ok).to.equal(false)
    expect(result.items[0]).to.deep.include({item: 'd1', service: 'db', status: 'failed', seconds: 0, error: 'skipped: before hook failed: run: db-before: db-before exited with code 1'})
    expect(existsSync(d1.itemDir)).to.equal(false)
    expect(result.items[1]).to.deep.include({item: 'w1', status: 'ok'})
  })

  it('a failing run before skips every item and stops the other before hooks; on_error and after run', async function () {
    const items = [itemOf('db', 'd1'), itemOf('web', 'w1')]
    const result = await run(items, {before: [h('b1'), h('b2')], on_error: [h('e')], after: [h('a')], services: {db: {before: [h('db-before')], after: [h('db-after')]}}}, ['b1'])
    expect(order).to.deep.equal(['before b1', 'on_error e', 'after a'])
    expect(result.ok).to.equal(false)
    expect(result.items.map((i) => [i.item, i.status, i.error])).to.deep.equal([
      ['d1', 'failed', 'skipped: before hook failed: run: b1: b1 exited with code 1'],
      ['w1', 'failed', 'skipped: before hook failed: run: b1: b1 exited with code 1'],
    ])
  })

  it('a failing after hook fails the run even when every item is ok', async function () {
    const result = await run([itemOf('db', 'd1')], {after: [h('a')]}, ['a'])
    expect(result.items[0]!.status).to.equal('ok')
    expect(result.ok).to.equal(false)
    expect(result.hooks).to.deep.equal([{phase: 'after', hook: 'run: a', status: 'failed', seconds: result.hooks![0]!.seconds, error: 'a exited with code 1'}])
  })

  it('runs on_error with the first failed item\'s error when an item fails', async function () {
    const broken = scheme('backup_broken', async () => {
      throw new Error('the dump broke off')
    })
    const item = {...located(target(), 'x', 'backup_broken')}
    let error: string | undefined
    const result = await runBackup(
      runInput(target(), [item], [broken], {
        hooks: {settings: {on_error: [h('e')]}, runner: async (call) => void (error = call.env.BACKUPBOT_ERROR), signal: new AbortController().signal, cwd: '/'},
      }),
    )
    expect(result.ok).to.equal(false)
    expect(error).to.equal('the dump broke off')
  })

  it('without hooks the result has no hooks field', async function () {
    const result = await runBackup(runInput(target(), [itemOf('db', 'd1')], [plain]))
    expect(result).not.to.have.property('hooks')
  })
})

describe('serviceGroups', function () {
  it('groups each plan\'s items by service in the order the services first appear, keeping the items\' order', function () {
    const item = (service: string, name: string) => ({service, name}) as LocatedItem
    const plan = planOf([item('db', '1'), item('web', '2'), item('db', '3'), item('cache', '4'), item('web', '5')])
    expect(serviceGroups([plan]).map((g) => [g.service, g.items.map((i) => i.name)])).to.deep.equal([
      ['db', ['1', '3']],
      ['web', ['2', '5']],
      ['cache', ['4']],
    ])
  })
})
