import {expect} from 'chai'

import {dumpCommand, dumpEnvironment, dumpTool} from '../src/command.js'
import type {DumpData} from '../src/plan.js'

describe('the backup_postgres dump command', function () {
  const data: DumpData = {database: 'shop', user: 'shopuser', password: 'pw-Zq81!', format: 'plain', extraArgs: ['--no-owner']}

  it('dumps one database as plain SQL through the local socket, without --create', function () {
    expect(dumpCommand(data)).to.deep.equal(['pg_dump', '--username=shopuser', '--no-password', '--format=plain', '--no-owner', '--dbname=shop'])
    expect(dumpCommand(data)).not.to.include('--create')
    expect(dumpCommand(data).some((a) => a.startsWith('--host') || a.startsWith('-h'))).to.equal(false)
  })

  it('asks pg_dump for a custom archive with format custom', function () {
    expect(dumpCommand({...data, format: 'custom'})).to.include('--format=custom')
  })

  it('dumps the whole cluster with pg_dumpall', function () {
    const all = {...data, database: undefined}
    expect(dumpTool(all)).to.equal('pg_dumpall')
    expect(dumpCommand(all)).to.deep.equal(['pg_dumpall', '--username=shopuser', '--no-password', '--no-owner'])
  })

  it('keeps a database name starting with a dash a name (--dbname=)', function () {
    expect(dumpCommand({...data, database: '-odd'}).at(-1)).to.equal('--dbname=-odd')
  })

  it('never puts the password on the command line; it goes into PGPASSWORD', function () {
    expect(dumpCommand(data).join(' ')).not.to.contain('pw-Zq81!')
    expect(dumpEnvironment(data)).to.deep.equal({PGPASSWORD: 'pw-Zq81!'})
    expect(dumpEnvironment({...data, password: undefined})).to.deep.equal({})
  })
})
