// PlanContext.databases: the options every database scheme shares, resolved once in the core
// with the scheme's own rules (its default user, the names and extra arguments its tool refuses).
import {expect} from 'chai'

import {ALL_DATABASES_ITEM, resolveDatabases} from '../../../src/plan/database-options.js'
import type {DatabaseOptions, DatabaseRules} from '../../../src/scheme.js'

const references: Record<string, string> = {
  'db.environment.DB': 'shop',
  'db.environment.USER': 'shopuser',
  'db.environment.PASSWORD': 'pw-Zq81!',
}

function resolver() {
  const resolved: string[] = []
  const secrets: string[] = []
  const resolve = async (value: string, optionPath: string) => {
    resolved.push(optionPath)
    if (value.startsWith('db.')) {
      if (!(value in references)) throw new Error(`${optionPath}: the reference "${value}" cannot be resolved`)
      return references[value]!
    }
    return value
  }
  const resolveSecret = async (value: string, optionPath: string) => {
    const secret = await resolve(value, optionPath)
    secrets.push(secret)
    return secret
  }
  return {resolve, resolveSecret, resolved, secrets}
}

const rules: DatabaseRules = {
  defaultUser: 'admin',
  refuseName: (name) => (name.startsWith('-') ? 'starts with a dash' : undefined),
  refuseArgument: (arg, all) => (arg.startsWith('--password') ? 'use the "password" option' : all && arg === '--one-only' ? 'not with all' : undefined),
}

const run = (options: DatabaseOptions, r = resolver()) => resolveDatabases(options, rules, r.resolve, r.resolveSecret)

describe('resolving the common database options (PlanContext.databases)', function () {
  it('resolves one database, the default user, no password', async function () {
    expect(await run({database: 'shop'})).to.deep.equal({
      targets: [{database: 'shop', name: 'shop', what: 'database shop'}],
      user: 'admin',
      extraArgs: [],
    })
  })

  it('follows references for database, user and password, and makes the password a secret', async function () {
    const r = resolver()
    const selection = await run({database: 'db.environment.DB', user: 'db.environment.USER', password: 'db.environment.PASSWORD'}, r)
    expect(selection).to.deep.include({user: 'shopuser', password: 'pw-Zq81!'})
    expect(selection.targets[0]!.database).to.equal('shop')
    expect(r.secrets).to.deep.equal(['pw-Zq81!'])
    expect(r.resolved).to.include.members(['database', 'user', 'password'])
  })

  it('makes a literal password a secret too', async function () {
    const r = resolver()
    await run({database: 'shop', password: 'literal-secret-77'}, r)
    expect(r.secrets).to.deep.equal(['literal-secret-77'])
  })

  it('gives one target per listed database, each resolved', async function () {
    const r = resolver()
    const {targets} = await run({databases: ['db.environment.DB', 'audit']}, r)
    expect(targets.map((t) => t.name)).to.deep.equal(['shop', 'audit'])
    expect(r.resolved).to.include.members(['databases[0]', 'databases[1]'])
  })

  it('gives one all-databases target for ["all"], which cannot be restored elsewhere', async function () {
    const {targets} = await run({databases: ['all']})
    expect(targets).to.have.length(1)
    expect(targets[0]).to.include({name: ALL_DATABASES_ITEM, what: 'all databases'})
    expect(targets[0]!.database).to.equal(undefined)
    expect(targets[0]!.refuseRestoreTo).to.contain('--to cannot be used with all-databases')
  })

  it('keeps harmless extra arguments in order, and asks the rules with whether every database is dumped', async function () {
    expect((await run({database: 'a', extra_args: ['--one-only', '-P3307']})).extraArgs).to.deep.equal(['--one-only', '-P3307'])
    const error = await run({databases: ['all'], extra_args: ['--x', '--one-only']}).catch((e: Error) => e)
    expect((error as Error).message).to.equal('extra_args[1]: not with all')
  })

  const refusals: Array<[string, DatabaseOptions, string]> = [
    ['neither database nor databases', {}, 'give exactly one of "database" (one database) or "databases" (["all"] or a list)'],
    ['both database and databases', {database: 'a', databases: ['b']}, 'give exactly one of "database"'],
    ['"all" beside other databases', {databases: ['all', 'shop']}, 'databases: "all" already dumps every database; list no others beside it'],
    ['a database listed twice once resolved', {databases: ['shop', 'db.environment.DB']}, 'databases[1]: shop is listed twice'],
    ['a name the tool refuses', {databases: ['ok', '-x']}, 'databases[1]: starts with a dash'],
    ['a name that resolves to nothing', {database: 'db.environment.EMPTY'}, 'cannot be resolved'],
    ['an extra argument the tool refuses, without echoing its value', {database: 'a', extra_args: ['--password=hunter2']}, 'extra_args[0]: use the "password" option'],
    ['an empty user', {database: 'a', user: ''}, 'user: resolves to an empty string'],
  ]
  for (const [what, options, message] of refusals) {
    it(`refuses ${what}`, async function () {
      const error = await run(options).catch((e: Error) => e)
      expect(error).to.be.instanceOf(Error)
      expect((error as Error).message).to.contain(message)
      expect((error as Error).message).not.to.contain('hunter2')
    })
  }

  it('refuses a database that resolves to an empty name', async function () {
    const r = resolver()
    const error = await resolveDatabases({database: 'x'}, rules, async () => '', r.resolveSecret).catch((e: Error) => e)
    expect((error as Error).message).to.equal('database: resolves to an empty database name')
  })
})
