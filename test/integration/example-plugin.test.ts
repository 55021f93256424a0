// The example plugin of docs/writing-a-scheme-plugin.md must work as the doc says: built, packed
// with npm, installed offline with `plugins:install file:...` into an isolated backupbot, and
// used for a real backup of a running compose service.
import {expect} from 'chai'
import {mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {gunzipSync} from 'node:zlib'
import {readFileSync} from 'node:fs'

import {REPO_ROOT, runCli} from '../support/cli.js'
import {type ComposeProject, startComposeProject} from '../support/compose.js'
import {requireEngine} from '../support/engine.js'
import {isolatedBackupbot, packPlugin} from '../support/plugin-install.js'

const fixture = fileURLToPath(new URL('../fixtures/testbed', import.meta.url))
const pluginDir = path.join(REPO_ROOT, 'examples', 'scheme-plugin')

describe('the example scheme plugin from the plugin authors doc', function () {
  let project: ComposeProject
  let work: string
  let env: Record<string, string>
  let tarball: string
  const cli = (args: string[]) => runCli(args, {cwd: project.dir, env, reject: false})

  before(async function () {
    this.timeout(240_000)
    await requireEngine()
    work = await mkdtemp(path.join(os.tmpdir(), 'bb-example-plugin-'))
    env = await isolatedBackupbot(work)
    // `npm pack` runs the plugin's prepack (its build), as it would for an author.
    tarball = await packPlugin(pluginDir, work, env)
    project = await startComposeProject(fixture)
  })

  after(async function () {
    await project?.down()
    if (work) await rm(work, {recursive: true, force: true})
  })

  it('installs offline from the packed tarball with plugins:install file:', async function () {
    this.timeout(240_000)
    const install = await cli(['plugins:install', `file:${tarball}`])
    expect(install.exitCode, install.stderr).to.equal(0)
    const {stdout} = await cli(['schemes', '--json'])
    expect(JSON.parse(stdout).schemes.map((s: {type: string; plugin: string}) => `${s.type}@${s.plugin}`)).to.include('backup_exec@backupbot-plugin-exec-example')
  })

  it('backs up the output of a command in the running service, gzipped', async function () {
    const config = path.join(work, 'exec.json')
    await writeFile(config, JSON.stringify({box: [{type: 'backup_exec', name: 'greeting', command: ['sh', '-c', 'echo hello from the container']}]}))
    const {exitCode, stdout, stderr} = await cli(['backup', '--config', config, '--target', path.join(work, 'backups'), '--json'])
    expect(exitCode, stderr).to.equal(0)
    const [item] = JSON.parse(stdout).items
    expect(item).to.include({scheme: 'backup_exec', item: 'greeting', status: 'ok'})
    expect(item.file).to.match(/exec\/greeting\/greeting\.1\/greeting\.out\.gz$/)
    expect(gunzipSync(readFileSync(item.file)).toString()).to.equal('hello from the container\n')
  })

  it('fails the item and keeps no version when the command fails', async function () {
    const config = path.join(work, 'fail.json')
    await writeFile(config, JSON.stringify({box: [{type: 'backup_exec', name: 'broken', command: ['sh', '-c', 'echo oops >&2; exit 3']}]}))
    const target = path.join(work, 'backups-fail')
    const {exitCode, stdout} = await cli(['backup', '--config', config, '--target', target, '--json'])
    expect(exitCode).to.equal(1)
    const [item] = JSON.parse(stdout).items
    expect(item.status).to.equal('failed')
    expect(item.error).to.contain('exited with 3: oops')
    expect(await readdir(path.join(target, 'box', 'exec', 'broken'))).to.deep.equal([])
  })

  it('is gone after plugins:uninstall, and its config is refused again', async function () {
    this.timeout(120_000)
    const uninstall = await cli(['plugins:uninstall', 'backupbot-plugin-exec-example'])
    expect(uninstall.exitCode, uninstall.stderr).to.equal(0)
    const config = path.join(work, 'exec.json')
    const {exitCode, stderr} = await cli(['backup', '--config', config, '--target', path.join(work, 'backups')])
    expect(exitCode).to.equal(2)
    expect(stderr).to.contain('no installed plugin provides the scheme type "backup_exec"')
  })
})
