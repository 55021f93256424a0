import {expect} from 'chai'

import {makePlan, type PlanInput} from '../../../src/plan/make-plan.js'
import {ConfigError, UsageError} from '../../../src/errors.js'
import type {SchemeDefinition} from '../../../src/scheme.js'
import {SecretMasker, project, quietLogger, registry, service} from '../../support/fakes.js'

// A scheme that plans one item per option value and resolves its `password` option.
const echoScheme: SchemeDefinition<{names?: string[]; password?: string}, {password?: string}> = {
  type: 'backup_echo',
  apiVersion: 2,
  description: 'test',
  optionsSchema: {type: 'object'},
  defaultEntry: {names: ['default']},
  async plan(ctx, svc, options) {
    const password = options.password === undefined ? undefined : await ctx.resolveSecret(options.password, 'password')
    return (options.names ?? []).map((name) => ({folder: 'echo', name, source: `${svc.name}:${name}`, extension: '.txt', compress: false, data: {password}}))
  },
  backup: async () => {},
}

function input(extra: Partial<PlanInput> = {}): PlanInput {
  return {
    project: project([service('web', {containerName: 'web-1'}), service('db', {environment: {PW: 's3cret'}})]),
    registry: registry(echoScheme),
    services: [],
    log: quietLogger(),
    masker: new SecretMasker(),
    containerEnvironment: async () => undefined,
    containerService: async (name) => (name === 'proj_db_1' ? 'db' : undefined),
    docker: {
      containers: {ofService: async () => [], usingVolume: async () => [], usingHostPath: async () => []},
      images: {ofService: async () => undefined},
    },
    ...extra,
  }
}

describe('planning a backup', function () {
  it('uses every scheme default for every service without a scheme config', async function () {
    const plan = await makePlan(input())
    expect(plan.items.map((i) => `${i.service}:${i.name}`)).to.deep.equal(['web:default', 'db:default'])
    expect(plan.items[0].key).to.deep.equal({project: plan.project.name, service: 'web', folder: 'echo', name: 'default'})
  })

  it('matches config keys by service name, container_name, or engine container name', async function () {
    const entries = {
      web: [{type: 'backup_echo', names: ['a']}],
      'web-1': [{type: 'backup_echo', names: ['b']}],
      proj_db_1: [{type: 'backup_echo', names: ['c']}],
    }
    const plan = await makePlan(input({config: {file: 'cfg.json', entries}}))
    expect(plan.items.map((i) => `${i.service}:${i.name}:${i.origin}`)).to.deep.equal(['web:a:web[0]', 'web:b:web-1[0]', 'db:c:proj_db_1[0]'])
  })

  it('warns about, and skips, a config key naming a service that the active profiles leave out', async function () {
    const log = quietLogger()
    const leftOut = {dbg: {profiles: ['debug'], containerName: 'dbg-1'}}
    const entries = {web: [{type: 'backup_echo', names: ['a']}], dbg: [{type: 'backup_echo', names: ['b']}], 'dbg-1': [{type: 'backup_echo', names: ['c']}]}
    const base = input()
    const plan = await makePlan({...base, log, project: {...base.project, leftOut}, config: {file: 'cfg.json', entries}})
    expect(plan.items.map((i) => `${i.service}:${i.name}`)).to.deep.equal(['web:a'])
    expect(log.lines.filter((l) => l.includes('left out'))).to.deep.equal([
      'warning: cfg.json: dbg: service dbg is left out by its profiles (debug): not backed up',
      'warning: cfg.json: dbg-1: service dbg is left out by its profiles (debug): not backed up',
    ])
  })

  it('refuses an item whose extension is no plain file name suffix before anything runs', async function () {
    const odd = {...echoScheme, type: 'backup_odd', plan: async () => [{folder: 'o', name: 'x', source: 'odd', extension: '.tar/../..', compress: false, data: {}}]}
    const error = await makePlan(input({registry: registry(odd), config: {file: 'c.json', entries: {web: [{type: 'backup_odd'}]}}})).catch((e) => e)
    expect(error).to.be.instanceOf(ConfigError)
    expect(error.message).to.equal('c.json: web[0]: backup_odd planned odd with a bad artifact extension ".tar/../..": expected something like ".tar.gz"')
  })

  it('masks a password that fails to resolve (a literal that starts like a reference) before anything can print it', async function () {
    const masker = new SecretMasker()
    const entries = {web: [{type: 'backup_echo', names: ['a'], password: 'db.not-a-reference-Zq81'}]}
    const error = await makePlan(input({masker, config: {file: 'c.json', entries}})).catch((e) => e)
    expect(error.message).to.contain('db.not-a-reference-Zq81')
    expect(masker.mask(error.message)).not.to.contain('not-a-reference-Zq81')
  })

  it('rejects a key that matches nothing, naming the file and key', async function () {
    const error = await makePlan(input({config: {file: 'cfg.json', entries: {nope: []}}})).catch((e) => e)
    expect(error).to.be.instanceOf(ConfigError)
    expect(error.message).to.contain('cfg.json: nope: matches no service')
  })

  it('resolves references, registers them as secrets, and never puts them in the item description', async function () {
    const masker = new SecretMasker()
    const plan = await makePlan(input({masker, config: {file: 'cfg.json', entries: {db: [{type: 'backup_echo', names: ['x'], password: 'db.environment.PW'}]}}}))
    expect(plan.items[0].data).to.deep.equal({password: 's3cret'})
    expect(JSON.stringify({...plan.items[0], data: undefined})).not.to.contain('s3cret')
    expect(masker.mask('pw=s3cret')).to.equal('pw=***')
  })

  it('locates an unresolvable reference in the config', async function () {
    const error = await makePlan(input({config: {file: 'cfg.json', entries: {db: [{type: 'backup_echo', password: 'db.environment.MISSING'}]}}})).catch((e) => e)
    expect(error.message).to.contain('cfg.json: db[0].password:').and.to.contain('db.environment.MISSING')
  })

  it('turns a plan failure of a scheme into a config error located at the entry', async function () {
    const failing = {...echoScheme, type: 'backup_fail', plan: async () => Promise.reject(new Error('no such directory'))}
    const error = await makePlan(input({registry: registry(echoScheme, failing), config: {file: 'c.yaml', entries: {web: [{type: 'backup_fail'}]}}})).catch((e) => e)
    expect(error.message).to.equal('c.yaml: web[0]: no such directory')
  })

  it('refuses to back up the same item twice', async function () {
    const entries = {web: [{type: 'backup_echo', names: ['a']}, {type: 'backup_echo', names: ['a']}]}
    const error = await makePlan(input({config: {file: 'c', entries}})).catch((e) => e)
    expect(error.message).to.contain('web[1]').and.to.contain('a second time (already by web[0])')
  })

  it('backs up a source shared by two services once without a scheme config, under the first service', async function () {
    const shared = {...echoScheme, type: 'backup_shared', plan: async () => [{folder: 'v', name: 'data', source: 'volume data', extension: '.tar', compress: true, identity: 'volume:data', data: {}}]}
    const log = quietLogger()
    const plan = await makePlan(input({log, registry: registry(shared)}))
    expect(plan.items.map((i) => i.service)).to.deep.equal(['web'])
    expect(log.lines.join()).to.contain('db: volume data is shared with web: backed up once, under web')
    const configured = await makePlan(input({registry: registry(shared), config: {file: 'c', entries: {web: [{type: 'backup_shared'}], db: [{type: 'backup_shared'}]}}}))
    expect(configured.items.map((i) => i.service)).to.deep.equal(['web', 'db'])
  })

  it("gives every item backup's --compression (gzip without it), and an entry's compression: wins for its items, never reaching the scheme", async function () {
    const seen: unknown[] = []
    const recording = {...echoScheme, plan: async (ctx: any, svc: any, options: any) => (seen.push(options), echoScheme.plan(ctx, svc, options))}
    const entries = {web: [{type: 'backup_echo', names: ['a']}, {type: 'backup_echo', names: ['b'], compression: 'none' as const}]}
    const compressions = async (extra: Partial<PlanInput>) => (await makePlan(input({registry: registry(recording), config: {file: 'c', entries}, ...extra}))).items.map((i) => [i.name, i.compression])
    expect(await compressions({})).to.deep.equal([
      ['a', 'gzip'],
      ['b', 'none'],
    ])
    expect(await compressions({compression: 'zstd'})).to.deep.equal([
      ['a', 'zstd'],
      ['b', 'none'],
    ])
    expect(seen).to.deep.include({names: ['b']})
    expect(seen.some((options) => Object.hasOwn(options as object, 'compression'))).to.equal(false)
    expect((await makePlan(input({compression: 'zstd'}))).items.map((i) => i.compression)).to.deep.equal(['zstd', 'zstd'])
  })

  it('only plans the selected services and rejects unknown ones', async function () {
    expect((await makePlan(input({services: ['db']}))).items.map((i) => i.service)).to.deep.equal(['db'])
    const error = await makePlan(input({services: ['dbb']})).catch((e) => e)
    expect(error).to.be.instanceOf(UsageError)
    expect(error.message).to.contain('no service dbb')
  })
})
