import {expect} from 'chai'

import {postgresScheme as scheme} from '../src/index.js'
import {planContext, service} from './fakes.js'

describe('planning backup_postgres', function () {
  const refs = {
    'db.environment.POSTGRES_DB': 'shop',
    'db.environment.POSTGRES_USER': 'shopuser',
    'db.environment.POSTGRES_PASSWORD': 'pw-Zq81!',
  }

  it('plans one plain .sql.gz in folder postgres named after the database, user postgres by default', async function () {
    const {ctx} = planContext()
    const items = await scheme.plan(ctx, service, {database: 'shop'})
    expect(items).to.have.length(1)
    expect(items[0]).to.include({folder: 'postgres', name: 'shop', extension: '.sql.gz'})
    expect(items[0]!.data).to.deep.equal({database: 'shop', user: 'postgres', password: undefined, format: 'plain', extraArgs: []})
    expect(items[0]!.stops ?? []).to.deep.equal([])
  })

  it('plans a .dump for format custom', async function () {
    const {ctx} = planContext()
    const [item] = await scheme.plan(ctx, service, {database: 'shop', format: 'custom'})
    expect(item).to.include({name: 'shop', extension: '.dump'})
    expect(item!.data.format).to.equal('custom')
  })

  it('resolves key references for database, user and password and registers the password as a secret', async function () {
    const {ctx, secrets, resolved} = planContext(refs)
    const items = await scheme.plan(ctx, service, {
      database: 'db.environment.POSTGRES_DB',
      user: 'db.environment.POSTGRES_USER',
      password: 'db.environment.POSTGRES_PASSWORD',
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
    const items = await scheme.plan(ctx, service, {databases: ['db.environment.POSTGRES_DB', 'audit'], format: 'custom'})
    expect(items.map((i) => [i.name, i.data.database, i.extension])).to.deep.equal([
      ['shop', 'shop', '.dump'],
      ['audit', 'audit', '.dump'],
    ])
    expect(resolved.map(([, where]) => where)).to.include.members(['databases[0]', 'databases[1]'])
  })

  it('plans a single all-databases item (pg_dumpall) for ["all"]', async function () {
    const {ctx} = planContext()
    const items = await scheme.plan(ctx, service, {databases: ['all']})
    expect(items.map((i) => [i.name, i.data.database, i.extension])).to.deep.equal([['all-databases', undefined, '.sql.gz']])
  })

  const refusals: Array<[string, object, string]> = [
    ['neither database nor databases', {}, 'exactly one of "database"'],
    ['both database and databases', {database: 'a', databases: ['b']}, 'exactly one of "database"'],
    ['"all" beside other databases', {databases: ['all', 'shop']}, '"all" already dumps every database'],
    ['format custom with ["all"]', {databases: ['all'], format: 'custom'}, 'pg_dumpall writes plain SQL only'],
    ['a database listed twice after resolving', {databases: ['shop', 'db.environment.POSTGRES_DB']}, 'shop is listed twice'],
    ['a database name that is a connection string', {database: 'host=evil password=hunter2'}, 'connection string'],
    ['a database name that is a URI', {database: 'postgresql://u:hunter2@h/db'}, 'connection string'],
    ['--file in extra_args', {database: 'a', extra_args: ['--file=/tmp/x.sql']}, 'extra_args[0]: --file is not supported'],
    ['an abbreviated --fi', {database: 'a', extra_args: ['--fi=/tmp/x.sql']}, 'extra_args[0]: --fi is not supported'],
    ['-f in extra_args', {database: 'a', extra_args: ['--no-owner', '-f/tmp/x']}, 'extra_args[1]: -f is not supported'],
    ['-f at the end of a cluster of flags', {database: 'a', extra_args: ['-xOf/tmp/x']}, '-f is not supported'],
    ['-W (password prompt)', {database: 'a', extra_args: ['-W']}, 'ask for a password'],
    ['--password', {database: 'a', extra_args: ['--password']}, 'ask for a password'],
    ['a password given to --password', {database: 'a', extra_args: ['--password=hunter2']}, 'ask for a password'],
    ['--format', {database: 'a', extra_args: ['--format=directory']}, 'use the "format" option'],
    ['-Fc', {database: 'a', extra_args: ['-Fc']}, 'use the "format" option'],
    ['-F in pg_dumpall args', {databases: ['all'], extra_args: ['-Fd']}, 'use the "format" option'],
    ['--jobs', {database: 'a', extra_args: ['--jobs=4']}, 'not supported'],
    ['--create', {database: 'a', extra_args: ['--create']}, 'restores into any database'],
    ['-C in a cluster', {database: 'a', extra_args: ['-xC']}, 'restores into any database'],
    ['--compress with plain', {database: 'a', extra_args: ['--compress=5']}, 'gzips the SQL itself'],
    ['-Z with plain', {database: 'a', extra_args: ['-Z9']}, 'gzips the SQL itself'],
    ['--user', {database: 'a', extra_args: ['--user=x']}, 'use the "user" option'],
    ['-U', {databases: ['all'], extra_args: ['-Ux']}, 'use the "user" option'],
    ['--dbname', {database: 'a', extra_args: ['--dbname=b']}, 'choose databases with'],
    ['-d for pg_dumpall', {databases: ['all'], extra_args: ['-dhost=x password=hunter2']}, 'choose databases with'],
    ['a positional argument', {database: 'a', extra_args: ['host=x password=hunter2']}, 'positional arguments are not accepted'],
    ['a separate option value', {database: 'a', extra_args: ['-h', '127.0.0.1']}, 'extra_args[1]: positional'],
    ['a bare --', {database: 'a', extra_args: ['--']}, 'positional'],
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
    const args = ['--host=127.0.0.1', '-p5432', '--no-owner', '-xO', '--schema=public', '-tcustomers', '-hlocalhost', '--if-exists', '--clean']
    const [item] = await scheme.plan(ctx, service, {database: 'a', extra_args: args})
    expect(item!.data.extraArgs).to.deep.equal(args)
  })

  it('accepts a value for a value-taking short option that holds refused letters (-t takes the rest)', async function () {
    const {ctx} = planContext()
    const [item] = await scheme.plan(ctx, service, {database: 'a', extra_args: ['-tfWC']})
    expect(item!.data.extraArgs).to.deep.equal(['-tfWC'])
  })

  it('accepts compression with format custom, and pg_dumpall-only options with ["all"]', async function () {
    const {ctx} = planContext()
    const [custom] = await scheme.plan(ctx, service, {database: 'a', format: 'custom', extra_args: ['--compress=9', '-Z0']})
    expect(custom!.data.extraArgs).to.deep.equal(['--compress=9', '-Z0'])
    const [all] = await scheme.plan(ctx, service, {databases: ['all'], extra_args: ['--database=template1', '-lpostgres', '--clean', '--if-exists']})
    expect(all!.data.extraArgs).to.have.length(4)
  })

  it('lets an unresolvable reference fail the plan', async function () {
    const {ctx} = planContext({})
    const error = await scheme.plan(ctx, service, {database: 'shop', password: 'db.environment.NOPE'}).catch((e: Error) => e)
    expect((error as Error).message).to.contain('db.environment.NOPE')
  })

  describe('options schema', function () {
    // The core validates with ajv; check the schema's shape the same way.
    let validate: (data: unknown) => boolean
    before(async function () {
      const {Ajv} = await import('ajv')
      validate = new Ajv({strict: false}).compile(scheme.optionsSchema)
    })

    it('accepts database or databases with the other options', function () {
      expect(validate({database: 'x', user: 'u', password: '', format: 'custom', extra_args: ['--no-owner']})).to.equal(true)
      expect(validate({databases: ['all']})).to.equal(true)
      expect(validate({databases: ['a', 'b'], format: 'plain'})).to.equal(true)
    })

    it('rejects neither, both, unknown options, unknown formats and wrong types', function () {
      expect(validate({})).to.equal(false)
      expect(validate({database: 'x', databases: ['y']})).to.equal(false)
      expect(validate({database: 'x', host: 'h'})).to.equal(false)
      expect(validate({database: 'x', format: 'tar'})).to.equal(false)
      expect(validate({databases: 'all'})).to.equal(false)
      expect(validate({database: 'x', extra_args: '--no-owner'})).to.equal(false)
    })
  })
})
