// The CLI's surface as scripts use it: config from stdin or YAML, topic syntax, exit codes.
import {expect} from 'chai'
import {existsSync} from 'node:fs'
import {cp, mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {runCli} from '../support/cli.js'

const fixture = fileURLToPath(new URL('../fixtures/bind-project', import.meta.url))

describe('the command line', function () {
  let dir: string

  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bb-cli-'))
    await cp(fixture, dir, {recursive: true})
    await writeFile(path.join(dir, 'data', 'file.txt'), 'x\n')
  })

  afterEach(async function () {
    await rm(dir, {recursive: true, force: true})
  })

  it('reads the scheme config from standard input with --config -', async function () {
    const config = JSON.stringify({app: [{type: 'backup_host_directories', directories: ['/data']}]})
    const {stdout} = await runCli(['backup', '--config', '-', '--json'], {cwd: dir, input: config})
    expect(JSON.parse(stdout).items.map((i: {item: string}) => i.item)).to.deep.equal(['data'])
  })

  it('finds backupbot.yaml in the current directory', async function () {
    await writeFile(path.join(dir, 'backupbot.yaml'), 'app:\n  - type: backup_host_directories\n    directories: [./data]\n    bogus: 1\n')
    const {exitCode, stderr} = await runCli(['backup'], {cwd: dir, reject: false})
    expect(exitCode).to.equal(2)
    expect(stderr).to.contain('backupbot.yaml: app[0].bogus: unknown option "bogus"')
    expect(existsSync(path.join(dir, 'backups'))).to.equal(false)
  })

  it('says which file names it looked for when there is no compose file', async function () {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'bb-empty-'))
    const {exitCode, stderr} = await runCli(['backup'], {cwd: empty, reject: false})
    await rm(empty, {recursive: true})
    expect(exitCode).to.equal(2)
    expect(stderr).to.contain('compose.yaml').and.to.contain('--compose')
  })

  it('accepts both plugins:install and plugins install', async function () {
    for (const args of [['plugins:install', '--help'], ['plugins', 'install', '--help']]) {
      const {exitCode, stdout} = await runCli(args, {cwd: dir})
      expect(exitCode).to.equal(0)
      expect(stdout).to.contain('plugins install PLUGIN')
    }
  })

  it('lists the bundled scheme and its plugin', async function () {
    const {stdout} = await runCli(['schemes', '--json'], {cwd: dir})
    expect(JSON.parse(stdout).schemes).to.deep.include({
      type: 'backup_host_directories',
      aliases: [],
      plugin: '@backupbot/plugin-host-directories',
      description: 'tar.gz archives of the host directories and files bind-mounted into the service',
    })
  })

  it('reports an error as JSON on stdout with the same exit code under --json', async function () {
    const {exitCode, stdout} = await runCli(['backup', 'nosuchservice', '--json'], {cwd: dir, reject: false})
    expect(exitCode).to.equal(2)
    expect(JSON.parse(stdout).error).to.include({exitCode: 2, name: 'UsageError'})
  })
})
