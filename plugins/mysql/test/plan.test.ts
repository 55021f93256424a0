import {expect} from 'chai'

import {fakePlanContext, fakeService} from 'backupbot/testing'

import {mysqlScheme as scheme} from '../src/index.js'

const service = fakeService('db')
const planContext = (references: Record<string, string> = {}) => fakePlanContext({references})

describe('planning backup_mysql', function () {
  const refs = {
    'db.environment.MYSQL_DATABASE': 'shop',
    'db.environment.MYSQL_USER': 'shopuser',
    'db.environment.MYSQL_PASSWORD': 'pw-Zq81!',
  }

  it('plans one .sql in folder mysql, compressed by the core, named after the database, user root by default', async function () {
    const {ctx} = planContext()
    const items = await scheme.plan(ctx, service, {database: 'shop'})
    expect(items).to.have.length(1)
    expect(items[0]).to.include({folder: 'mysql', name: 'shop', extension: '.sql', compress: true})
    expect(items[0]!.refuseRestoreTo).to.equal(undefined)
    expect(items[0]!.data).to.deep.equal({database: 'shop', user: 'root', password: undefined, extraArgs: []})
    expect(items[0]!.stops ?? []).to.deep.equal([])
  })

  it('resolves key references for database, user and password and registers the password as a secret', async function () {
    const {ctx, secrets, resolved} = planContext(refs)
    const items = await scheme.plan(ctx, service, {
      database: 'db.environment.MYSQL_DATABASE',
      user: 'db.environment.MYSQL_USER',
      password: 'db.environment.MYSQL_PASSWORD',
    })
    expect(items[0]!.data).to.include({database: 'shop', user: 'shopuser', password: 'pw-Zq81!'})
    expect(secrets).to.deep.equal(['pw-Zq81!'])
    expect(resolved.map(([, where]) => where)).to.include.members(['database', 'user', 'password'])
  })

  it('registers a literal password as a secret too, and keeps it out of name and source', async function () {
    const {ctx, secrets} = planContext()
    const [item] = await scheme.plan(ctx, service, {database: 'shop', password: 'literal-secret-77'})
    expect(secrets).to.deep.equal(['literal-secret-77'])
    expect(JSON.stringify({name: item!.name, source: item!.source, folder: item!.folder})).not.to.contain('literal-secret-77')
  })

  it('plans one item per listed database, resolving each', async function () {
    const {ctx, resolved} = planContext(refs)
    const items = await scheme.plan(ctx, service, {databases: ['db.environment.MYSQL_DATABASE', 'audit']})
    expect(items.map((i) => [i.name, i.data.database])).to.deep.equal([
      ['shop', 'shop'],
      ['audit', 'audit'],
    ])
    expect(resolved.map(([, where]) => where)).to.include.members(['databases[0]', 'databases[1]'])
  })

  it('plans a single all-databases item for ["all"]', async function () {
    const {ctx} = planContext()
    const items = await scheme.plan(ctx, service, {databases: ['all']})
    expect(items.map((i) => [i.name, i.data.database])).to.deep.equal([['all-databases', undefined]])
    expect(items[0]!.refuseRestoreTo).to.contain('--to cannot be used with all-databases')
  })

  const refusals: Array<[string, object, string]> = [
    ['neither database nor databases', {}, 'exactly one of "database"'],
    ['both database and databases', {database: 'a', databases: ['b']}, 'exactly one of "database"'],
    ['"all" beside other databases', {databases: ['all', 'shop']}, '"all" already dumps every database'],
    ['a database listed twice after resolving', {databases: ['shop', 'db.environment.MYSQL_DATABASE']}, 'shop is listed twice'],
    ['a database name starting with a dash', {database: '--all-databases'}, 'cannot be a database name'],
    ['--skip-comments in extra_args', {database: 'a', extra_args: ['--skip-comments']}, 'extra_args[0]: --skip-comments removes the "-- Dump completed" trailer'],
    ['--compact in extra_args', {database: 'a', extra_args: ['--hex-blob', '--compact']}, 'extra_args[1]: --compact removes'],
    ['--comments=0 in extra_args', {database: 'a', extra_args: ['--comments=0']}, 'trailer'],
    ['an abbreviated --skip-comm', {database: 'a', extra_args: ['--skip-comm']}, 'trailer'],
    ['a password in extra_args', {database: 'a', extra_args: ['--password=hunter2']}, 'use the "password" option'],
    ['a short -p password in extra_args', {database: 'a', extra_args: ['-phunter2']}, 'use the "password" option'],
    ['--user in extra_args', {database: 'a', extra_args: ['--user=x']}, 'use the "user" option'],
    ['--result-file in extra_args', {database: 'a', extra_args: ['--result-file=/tmp/x.sql']}, 'not supported'],
    ['--databases in extra_args', {database: 'a', extra_args: ['--databases']}, 'not supported'],
  ]
  for (const [what, options, message] of refusals) {
    it(`refuses ${what}`, async function () {
      const {ctx} = planContext(refs)
      const error = await scheme.plan(ctx, service, options).catch((e: Error) => e)
      expect(error).to.be.instanceOf(Error)
      expect((error as Error).message).to.contain(message)
      expect((error as Error).message).not.to.contain('hunter2')
    })
  }

  it('accepts harmless extra_args and keeps them in order', async function () {
    const {ctx} = planContext()
    const [item] = await scheme.plan(ctx, service, {database: 'a', extra_args: ['--hex-blob', '--skip-compact', '--max-allowed-packet=512M', '-P3307']})
    expect(item!.data.extraArgs).to.deep.equal(['--hex-blob', '--skip-compact', '--max-allowed-packet=512M', '-P3307'])
  })

  it('lets an unresolvable reference fail the plan', async function () {
    const {ctx} = planContext({})
    const error = await scheme.plan(ctx, service, {database: 'shop', password: 'db.environment.NOPE'}).catch((e: Error) => e)
    expect((error as Error).message).to.contain('db.environment.NOPE')
  })

  describe('options schema', function () {
    // The core validates with ajv, its common database options added; check the same way.
    let validate: (data: unknown) => boolean
    before(async function () {
      const {Ajv} = await import('ajv')
      const {optionsSchemaOf} = await import('../../../src/schemes/options-schema.js')
      validate = new Ajv({strict: false}).compile(optionsSchemaOf(scheme))
    })

    it('accepts database or databases with the other options', function () {
      expect(validate({database: 'x', user: 'u', password: '', extra_args: ['--hex-blob']})).to.equal(true)
      expect(validate({databases: ['all']})).to.equal(true)
    })

    it('rejects neither, both, unknown options and wrong types', function () {
      expect(validate({})).to.equal(false)
      expect(validate({database: 'x', databases: ['y']})).to.equal(false)
      expect(validate({database: 'x', host: 'h'})).to.equal(false)
      expect(validate({databases: 'all'})).to.equal(false)
      expect(validate({database: 'x', extra_args: '--hex-blob'})).to.equal(false)
    })
  })
})
