import {expect} from 'chai'

import {loadSchemes} from '../../../src/plugins/load-schemes.js'
import type {SchemeDefinition} from '../../../src/scheme.js'
import {fakeHookConfig} from '../../support/fakes.js'

const scheme = (type: string, extra: Partial<SchemeDefinition> = {}): SchemeDefinition => ({
  type,
  apiVersion: 2,
  description: type,
  optionsSchema: {type: 'object'},
  plan: async () => [],
  backup: async () => {},
  ...extra,
})

describe('collecting schemes from plugins', function () {
  it('registers each scheme under its type and aliases, with the plugin that provides it', async function () {
    const registry = await loadSchemes(fakeHookConfig([{plugin: 'p-vol', result: [scheme('backup_volume', {aliases: ['backup_volumes']})]}]))
    expect(registry.byType.get('backup_volumes')?.plugin).to.equal('p-vol')
    expect(registry.list.map((l) => l.scheme.type)).to.deep.equal(['backup_volume'])
  })

  it('reports a failing plugin and keeps the others', async function () {
    const registry = await loadSchemes(fakeHookConfig([{plugin: 'good', result: [scheme('backup_a')]}], [{plugin: 'broken', error: 'boom'}]))
    expect(registry.list.map((l) => l.scheme.type)).to.deep.equal(['backup_a'])
    expect(registry.failures).to.deep.equal([{plugin: 'broken', error: 'boom'}])
  })

  it('rejects malformed schemes and duplicate types, naming the plugin', async function () {
    const registry = await loadSchemes(
      fakeHookConfig([
        {plugin: 'old', result: [scheme('backup_b', {apiVersion: 1 as 2})]},
        {plugin: 'one', result: [scheme('backup_c')]},
        {plugin: 'two', result: [scheme('backup_c'), {type: 'Bad Name'}]},
      ]),
    )
    expect(registry.list.map((l) => `${l.scheme.type}@${l.plugin}`)).to.deep.equal(['backup_c@one'])
    expect(registry.failures.map((f) => f.plugin)).to.deep.equal(['old', 'two', 'two'])
    expect(registry.failures[0].error).to.contain('has apiVersion 1, but this backupbot supports only apiVersion 2').and.to.contain('install a version of the plugin made for it')
  })
})
