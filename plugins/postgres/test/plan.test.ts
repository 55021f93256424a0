import {expect} from 'chai'

import {fakePlanContext, fakeService} from 'backupbot/testing'

import {postgresScheme as scheme} from '../src/index.js'

describe('planning backup_postgres', function () {
  const service = fakeService('db')
  const refs = {
    'db.environment.POSTGRES_DB': 'shop',
    'db.environment.POSTGRES_USER': 'shopuser',
    'db.environment.POSTGRES_PASSWORD': 'pw-Zq81!',
  }
  const planContext = (references: Record<string, string> = {}) => fakePlanContext({references})

  it('plans one plain .sql (gzipped by the core) in folder postgres named after the database, user postgres by default', async function () {
    const {ctx} = planContext()
    const items = await scheme.plan(ctx, service, {database: 'shop'})
    expect(items).to.have.length(1)
    expect(items[0]).to.include({folder: 'postgres', name: 'shop', extension: '.sql', compress: true, source: 'database shop of service db (as postgres, plain)'})
    expect(items[0]!.data).to.deep.equal({database: 'shop', user: 'postgres', password: undefined, format: 'plain', extraArgs: []})
    expect(items[0]!.stops ?? []).to.deep.equal([])
    expect(items[0]!.refuseRestoreTo).to.equal(undefined)
  })

  it('plans a .dump, not compressed again, for format custom', async function () {
    const {ctx} = planContext()
    const [item] = await scheme.plan(ctx, service, {database: 'shop', format: 'custom'})
    expect(item).to.include({name: 'shop', extension: '.dump', compress: false})
    expect(item!.data.format).to.equal('custom')
  })

  it('resolves database, user and password through the core, the password a secret', async function () {
    const {ctx, secrets} = planContext(refs)
    const items = await scheme.plan(ctx, service, {
      database: 'db.environment.POSTGRES_DB',
      user: 'db.environment.POSTGRES_USER',
      password: 'db.environment.POSTGRES_PASSWORD',
    })
    expect(items[0]!.data).to.include({database: 'shop', user: 'shopuser', password: 'pw-Zq81!'})
    expect(secrets).to.deep.equal(['pw-Zq81!'])
  })

  it('plans one item per listed database, each in the chosen format', async function () {
    const {ctx} = planContext(refs)
    const items = await scheme.plan(ctx, service, {databases: ['db.environment.POSTGRES_DB', 'audit'], format: 'custom'})
    expect(items.map((i) => [i.name, i.data.database, i.extension])).to.deep.equal([
      ['shop', 'shop', '.dump'],
      ['audit', 'audit', '.dump'],
    ])
  })

  it('plans a single all-databases item (pg_dumpall) for ["all"], which the core keeps from restore --to', async function () {
    const {ctx} = planContext()
    const items = await scheme.plan(ctx, service, {databases: ['all']})
    expect(items.map((i) => [i.name, i.data.database, i.extension])).to.deep.equal([['all-databases', undefined, '.sql']])
    expect(items[0]!.refuseRestoreTo).to.contain('--to cannot be used with all-databases')
  })

  const refusals: Array<[string, object, string]> = [
    ['format custom with ["all"]', {databases: ['all'], format: 'custom'}, 'pg_dumpall writes plain SQL only'],
    ['a database name that is a connection string', {database: 'host=evil password=hunter2'}, 'connection string'],
    ['a database name that is a URI', {database: 'postgresql://u:hunter2@h/db'}, 'connection string'],
    ['a listed database that resolves to a connection string', {databases: ['audit', 'db.environment.EVIL']}, 'databases[1]: a database name cannot contain "="'],
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
    ['--compress with plain', {database: 'a', extra_args: ['--compress=5']}, 'compresses the SQL itself'],
    ['-Z with plain', {database: 'a', extra_args: ['-Z9']}, 'compresses the SQL itself'],
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
      const {ctx} = planContext({...refs, 'db.environment.EVIL': 'host=evil password=hunter2'})
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

  describe('options schema', function () {
    // The core validates with ajv, this schema merged with the common database options; check
    // the scheme's own part the same way.
    let validate: (data: unknown) => boolean
    before(async function () {
      const {Ajv} = await import('ajv')
      validate = new Ajv({strict: false}).compile(scheme.optionsSchema)
    })

    it('declares the common database options and only format of its own', function () {
      expect(scheme.commonOptions).to.equal('database')
      expect(validate({})).to.equal(true)
      expect(validate({format: 'custom'})).to.equal(true)
      expect(validate({format: 'plain'})).to.equal(true)
    })

    it('rejects unknown formats and unknown options', function () {
      expect(validate({format: 'tar'})).to.equal(false)
      expect(validate({host: 'h'})).to.equal(false)
    })
  })
})
