import {expect} from 'chai'

import {clientMessage, connectionArgs, loadCommand, scriptCommand, ScriptMessages} from '../src/client.js'
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

  it('sorts the lines psql writes loading a cluster dump: existing roles, other errors, the rest', function () {
    const messages = new ScriptMessages()
    const lines = [
      'psql:<stdin>:16: ERROR:  role "shopadmin" already exists',
      'ERROR:  role "Ünïcode" already exists',
      'WARNING:  something',
      '',
      ...Array.from({length: 20}, (_, i) => `ERROR:  relation "t${i}" already exists`),
      ...Array.from({length: 6}, (_, i) => `NOTICE:  note ${i}`),
    ]
    lines.forEach(messages.take)
    expect(messages.existingRoles).to.equal(2)
    expect(messages.errors).to.equal(20)
    expect(messages.firstErrors).to.deep.equal(Array.from({length: 5}, (_, i) => `ERROR:  relation "t${i}" already exists`))
    expect(messages.others).to.deep.equal(Array.from({length: 5}, (_, i) => `NOTICE:  note ${i + 1}`))
  })

  it("picks the clients' error lines out of their messages, else takes the fallback", function () {
    const stderr = 'pg_restore: error: could not execute query: ERROR:  role "x" does not exist\nCommand was: ALTER TABLE t OWNER TO x;\n'
    expect(clientMessage(stderr, 'last lines')).to.equal('pg_restore: error: could not execute query: ERROR:  role "x" does not exist')
    expect(clientMessage('WARNING:  hm\n', 'last lines')).to.equal('last lines')
    expect(clientMessage('', '')).to.equal('no message')
  })
})
