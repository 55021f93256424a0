import {expect} from 'chai'
import {Readable} from 'node:stream'

import {connectionArgs, loadCommand, scanMessages, scriptCommand} from '../src/client.js'
import type {DumpData} from '../src/plan.js'

describe('the backup_postgres restore clients', function () {
  const data: DumpData = {database: 'shop', user: 'shopadmin', password: 'pw-Zq81!', format: 'plain', extraArgs: []}

  it('takes the connection options of extra_args, in every spelling pg_dump accepts', function () {
    expect(connectionArgs(['--host=127.0.0.1', '--port=5433'], false)).to.deep.equal(['--host=127.0.0.1', '--port=5433'])
    expect(connectionArgs(['--ho=db', '--po=1'], false)).to.deep.equal(['--host=db', '--port=1'])
    expect(connectionArgs(['-h127.0.0.1', '-xp5433', '-Ox'], false)).to.deep.equal(['--host=127.0.0.1', '--port=5433'])
    // The value of another option is not read as options.
    expect(connectionArgs(['-nhpublic', '--exclude-table=h', '--no-owner', '--h=x'], false)).to.deep.equal([])
    expect(connectionArgs(['-lpostgres', '-h/tmp'], true)).to.deep.equal(['--host=/tmp'])
  })

  it('keeps names and values out of SQL: each one is a psql variable', function () {
    const cmd = scriptCommand(data, '-odd', {name: "a'b", owner: 'x=y'})
    expect(cmd).to.deep.equal(['psql', '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-v', "name=a'b", '-v', 'owner=x=y', '--username=shopadmin', '--no-password', '--dbname=-odd'])
  })

  it('loads plain SQL with psql, a custom archive with pg_restore, a cluster into postgres', function () {
    expect(loadCommand(data, 'plain', 'x')).to.include('--single-transaction').and.to.include('ON_ERROR_STOP=1')
    expect(loadCommand(data, 'custom', 'x')).to.deep.equal(['pg_restore', '--username=shopadmin', '--no-password', '--exit-on-error', '--single-transaction', '--dbname=x'])
    expect(loadCommand({...data, database: undefined}, 'plain', undefined)).to.deep.equal(['psql', '-X', '-q', '--username=shopadmin', '--no-password', '--dbname=postgres'])
  })

  it('sorts the messages of a cluster load line by line, whatever the chunks, within bounds', async function () {
    const lines = [
      'psql:<stdin>:16: ERROR:  role "shopadmin" already exists',
      'ERROR:  role "Ünïcode" already exists',
      'WARNING:  something',
      ...Array.from({length: 20}, (_, i) => `ERROR:  relation "t${i}" already exists`),
      `NOTICE:  ${'x'.repeat(10_000)}`,
    ]
    const bytes = Buffer.from(lines.join('\n') + '\n')
    const chunks = Array.from({length: Math.ceil(bytes.length / 7)}, (_, i) => bytes.subarray(i * 7, i * 7 + 7))
    const result = await scanMessages(Readable.from(chunks))
    expect(result.existingRoles).to.equal(2)
    expect(result.errors).to.equal(20)
    expect(result.firstErrors).to.deep.equal(Array.from({length: 5}, (_, i) => `ERROR:  relation "t${i}" already exists`))
    expect(result.others).to.have.length(2)
    expect(result.others[0]).to.equal('WARNING:  something')
    expect(result.others[1]!.length).to.equal(4096)
  })
})
