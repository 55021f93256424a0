import {expect} from 'chai'

import {type FakeExec, fakeRunContext} from 'backupbot/testing'

import {dumpCommand, dumpEnvironment, findDumpTool} from '../src/command.js'
import type {DumpData} from '../src/plan.js'

const runContext = (exec: (cmd: string[]) => FakeExec) => fakeRunContext({exec})
const container = {id: 'c1', name: 'p_db_1', running: true}

describe('the backup_mysql dump command', function () {
  const data: DumpData = {database: 'shop', user: 'shopuser', password: 'pw-Zq81!', extraArgs: ['--hex-blob']}

  it('dumps one database without CREATE DATABASE, consistent and with routines and triggers', function () {
    expect(dumpCommand('/usr/bin/mariadb-dump', data)).to.deep.equal([
      '/usr/bin/mariadb-dump',
      '--single-transaction',
      '--routines',
      '--triggers',
      '--comments',
      '--user=shopuser',
      '--no-tablespaces',
      '--hex-blob',
      'shop',
    ])
  })

  it('dumps every database with --all-databases (and their events)', function () {
    const cmd = dumpCommand('mysqldump', {...data, database: undefined})
    expect(cmd.at(-1)).to.equal('--all-databases')
    expect(cmd).to.include('--events').and.not.to.include('--no-tablespaces')
  })

  it('never puts the password on the command line; it goes into MYSQL_PWD', function () {
    expect(dumpCommand('mysqldump', data).join(' ')).not.to.contain('pw-Zq81!')
    expect(dumpEnvironment(data)).to.deep.equal({MYSQL_PWD: 'pw-Zq81!'})
    expect(dumpEnvironment({...data, password: undefined})).to.deep.equal({})
  })

  describe('finding the dump tool', function () {
    it('asks the shell for mariadb-dump first, then mysqldump', async function () {
      const {ctx, calls} = runContext(() => ({stdout: '/usr/bin/mariadb-dump\n'}))
      expect(await findDumpTool(ctx, container)).to.equal('/usr/bin/mariadb-dump')
      expect(calls[0]!.cmd).to.deep.equal(['sh', '-c', 'command -v mariadb-dump || command -v mysqldump'])
    })

    it('runs each tool directly when the image has no shell', async function () {
      const {ctx, calls} = runContext((cmd) => (cmd[0] === 'mysqldump' ? {stdout: 'mysqldump  Ver 10.19'} : {exitCode: 127}))
      expect(await findDumpTool(ctx, container)).to.equal('mysqldump')
      expect(calls.map((c) => c.cmd[0])).to.deep.equal(['sh', 'mariadb-dump', 'mysqldump'])
    })

    it('reports an interrupt during the lookup as an interrupt, not as a missing tool', async function () {
      let interrupt = () => {}
      const fake = fakeRunContext({
        exec() {
          interrupt()
          return {stdout: '/usr/bin/mariadb-dump\n'}
        },
      })
      interrupt = () => fake.abort(new Error('interrupted'))
      const error = await findDumpTool(fake.ctx, container).catch((e: Error) => e)
      expect((error as Error).message).to.equal('sh in p_db_1 was interrupted')
    })

    it('fails clearly when the image has neither tool', async function () {
      const {ctx} = runContext(() => ({exitCode: 1}))
      const error = await findDumpTool(ctx, container).catch((e: Error) => e)
      expect((error as Error).message).to.contain('neither mariadb-dump nor mysqldump was found')
    })
  })
})
