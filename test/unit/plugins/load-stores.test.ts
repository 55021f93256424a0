import {expect} from 'chai'

import {loadStores} from '../../../src/plugins/load-stores.js'
import type {Store, StoreDefinition} from '../../../src/store.js'
import {fakeHookConfig} from '../../support/fakes.js'

const store = (prefix: string, extra: Record<string, unknown> = {}): StoreDefinition =>
  ({
    prefix,
    apiVersion: 1,
    description: `a ${prefix} store`,
    open: () => ({}) as Store,
    ...extra,
  }) as StoreDefinition

const prefixes = (registry: Awaited<ReturnType<typeof loadStores>>) => [...registry.byPrefix].map(([prefix, {plugin}]) => `${prefix}@${plugin}`)

describe('collecting stores from plugins', function () {
  it('registers each store definition under its prefix, with the plugin that provides it', async function () {
    const restic = store('restic')
    const registry = await loadStores(fakeHookConfig([{plugin: 'p-restic', result: [restic, store('s3-glacier')]}]))
    expect(prefixes(registry)).to.deep.equal(['restic@p-restic', 's3-glacier@p-restic'])
    expect(registry.byPrefix.get('restic')!.definition).to.equal(restic)
    expect(registry.failures).to.deep.equal([])
  })

  it('takes a hook that returns one definition instead of a list', async function () {
    expect(prefixes(await loadStores(fakeHookConfig([{plugin: 'p', result: store('restic')}])))).to.deep.equal(['restic@p'])
  })

  it('reports a plugin whose hook failed and keeps the others', async function () {
    const registry = await loadStores(fakeHookConfig([{plugin: 'good', result: [store('restic')]}], [{plugin: 'broken', error: 'boom'}]))
    expect(prefixes(registry)).to.deep.equal(['restic@good'])
    expect(registry.failures).to.deep.equal([{plugin: 'broken', error: 'boom'}])
  })

  it('refuses a definition made for another apiVersion, saying which one this backupbot supports', async function () {
    const registry = await loadStores(fakeHookConfig([{plugin: 'future', result: [store('restic', {apiVersion: 2})]}]))
    expect(prefixes(registry)).to.deep.equal([])
    expect(registry.failures).to.have.length(1)
    expect(registry.failures[0]!.plugin).to.equal('future')
    expect(registry.failures[0]!.error)
      .to.contain('store restic has apiVersion 2, but this backupbot supports only apiVersion 1')
      .and.to.contain('install a version of the plugin made for it')
  })

  for (const [what, value, error] of [
    ['a one-letter prefix (a Windows drive)', store('c'), 'store prefix c is not'],
    ['an upper-case prefix', store('Restic'), 'store prefix Restic is not'],
    ['a prefix that starts with a digit', store('3s'), 'store prefix 3s is not'],
    ['a prefix with a colon', store('restic:'), 'store prefix restic: is not'],
    ['a missing prefix', store('x', {prefix: undefined}), 'store prefix undefined is not'],
    ['no open()', store('restic', {open: 'restic'}), 'store restic lacks open()'],
    ['a value that is no object', null, 'hook returned a non-object store definition'],
  ] as const) {
    it(`refuses ${what}`, async function () {
      const registry = await loadStores(fakeHookConfig([{plugin: 'bad', result: [value]}, {plugin: 'good', result: [store('local-copy')]}]))
      expect(prefixes(registry)).to.deep.equal(['local-copy@good'])
      expect(registry.failures.map((f) => f.plugin)).to.deep.equal(['bad'])
      expect(registry.failures[0]!.error).to.contain(error)
    })
  }

  it('keeps the first plugin that registers a prefix and reports the second', async function () {
    const registry = await loadStores(fakeHookConfig([
      {plugin: 'one', result: [store('restic')]},
      {plugin: 'two', result: [store('restic'), store('kopia')]},
    ]))
    expect(prefixes(registry)).to.deep.equal(['restic@one', 'kopia@two'])
    expect(registry.failures).to.deep.equal([{plugin: 'two', error: 'store prefix restic: is already provided by one'}])
  })
})
