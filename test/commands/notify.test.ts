// The notifications of whole `backup` runs against a real HTTP server on 127.0.0.1, for every
// outcome: success, a failed item, bad input found while planning, a refused lock, a dead
// endpoint. `$settings.notify` comes from the scheme config once that is read; here a subclass
// of the command adds it to the request the flags make. A refused config file is notified
// through its own notify part, read from the file.
import {captureOutput} from '@oclif/test'
import {expect} from 'chai'
import path from 'node:path'

import Backup from '../../src/commands/backup.js'
import type {NotifySettings} from '../../src/config/settings/types.js'
import {type HttpSink, httpSink} from '../support/http-sink.js'
import {freePort} from '../support/ports.js'
import {bindProject, type CommandOutcome, isolated, jsonOf, LOAD_OPTIONS, lockTarget, type Sandbox, useSandbox} from '../support/run-command.js'

const UUID = '0f8a2c7e-3b1d-4c5e-9a6f-1234567890ab'
const PASSWORD = 'Lit-9qZ-s3cr3t-Pw'

describe('backup with notifications', function () {
  let sb: Sandbox
  let sink: HttpSink
  useSandbox((created) => (sb = created))
  beforeEach(async function () {
    sink = await httpSink()
  })
  afterEach(async function () {
    await sink.close()
  })

  /** `backupbot backup ...args` in `cwd` with `notify` as its run settings. */
  function backup(notify: NotifySettings, args: string[], cwd: string): Promise<CommandOutcome> {
    class NotifiedBackup extends Backup {
      protected override async request(...given: Parameters<Backup['request']>) {
        return {...(await super.request(...given)), notify}
      }
    }
    return isolated(() => captureOutput(() => NotifiedBackup.run(args, LOAD_OPTIONS)), {cwd, dataDir: sb.dataDir})
  }
  const seen = () => sink.requests.map((r) => `${r.method} ${r.url}`)
  const webhookBody = () => JSON.parse(sink.requests.find((r) => r.url.startsWith('/hook'))!.body)

  it('pings /start and then success, and posts the --json document to a webhook with when: always', async function () {
    const dir = await bindProject(sb)
    const outcome = await backup({webhooks: [{url: `${sink.url}/hook`, when: 'always'}], healthchecks: `${sink.url}/${UUID}`}, ['--json'], dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect(seen().filter((r) => !r.includes('/hook'))).to.deep.equal([`POST /${UUID}/start`, `POST /${UUID}`])
    expect(webhookBody()).to.deep.equal(jsonOf(outcome))
    expect(sink.requests.find((r) => r.url === `/${UUID}`)!.body).to.contain('1 item(s) backed up into')
  })

  it('posts a failed run\'s document, its password masked, and pings /fail with the failed items', async function () {
    const dir = await sb.project('mysql-project', {'backupbot.json': JSON.stringify({db: [{type: 'backup_mysql', database: 'shop', user: 'root', password: PASSWORD}]})})
    const notify = {webhooks: [{url: `${sink.url}/hook?token=tok-42`}], healthchecks: `${sink.url}/${UUID}`}
    // A folder named like the password shows that the webhook gets the masked document.
    const outcome = await backup(notify, ['--json', '--target', `backups-${PASSWORD}`], dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(1)
    expect(seen().filter((r) => !r.includes('/hook'))).to.deep.equal([`POST /${UUID}/start`, `POST /${UUID}/fail`])
    const document = jsonOf(outcome)
    expect(document.items[0]).to.include({item: 'shop', status: 'failed'})
    expect(document.target).to.equal(path.join(dir, 'backups-***'))
    expect(webhookBody()).to.deep.equal(document)
    const fail = sink.requests.find((r) => r.url.endsWith('/fail'))!.body
    expect(fail).to.match(/FAILED +db .*connect ENOENT/).and.to.contain('1 of 1 item(s) failed')
    for (const request of sink.requests) expect(request.body).not.to.contain(PASSWORD)
    for (const printed of [outcome.stdout, outcome.stderr]) expect(printed).not.to.contain('tok-42').and.not.to.contain(UUID)
  })

  it('notifies bad input found while planning with the error document, and only /fail: the run never started', async function () {
    const dir = await bindProject(sb)
    const outcome = await backup({webhooks: [{url: `${sink.url}/hook`}], healthchecks: `${sink.url}/${UUID}`}, ['--json', '--target', 'x', '--target', 'x'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(seen().filter((r) => !r.includes('/hook'))).to.deep.equal([`POST /${UUID}/fail`])
    expect(webhookBody()).to.deep.equal(jsonOf(outcome)).and.to.have.nested.property('error.exitCode', 2)
    expect(sink.requests.find((r) => r.url.endsWith('/fail'))!.body).to.equal(`backupbot: --target ${path.join(dir, 'x')} is given twice\n`)
  })

  it('notifies a refused lock (exit 3) as a failure', async function () {
    const dir = await bindProject(sb)
    await lockTarget(path.join(dir, 'backups'))
    const outcome = await backup({webhooks: [{url: `${sink.url}/hook`}], healthchecks: `${sink.url}/${UUID}`}, ['--json'], dir)
    expect(outcome.exitCode).to.equal(3)
    expect(seen().filter((r) => !r.includes('/hook'))).to.deep.equal([`POST /${UUID}/start`, `POST /${UUID}/fail`])
    expect(webhookBody()).to.deep.equal(jsonOf(outcome)).and.to.have.nested.property('error.name', 'LockedError')
  })

  it('only warns when the endpoint is dead: same exit code and document, within the timeout', async function () {
    const dir = await bindProject(sb)
    const dead = `http://127.0.0.1:${await freePort()}`
    const started = Date.now()
    const outcome = await backup({webhooks: [{url: `${dead}/hook?token=tok-42`, when: 'always'}], healthchecks: `${dead}/${UUID}`, timeout: 2, retries: 0}, ['--json'], dir)
    expect(Date.now() - started).to.be.below(5000)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect(jsonOf(outcome)).to.include({ok: true})
    const warnings = outcome.stderr.split('\n').filter((line) => line.startsWith('warning: '))
    expect(warnings).to.have.length(3)
    expect(warnings).to.include(`warning: webhook POST ${dead}/hook?token=*** failed after 1 attempt(s): fetch failed: connect ECONNREFUSED ${dead.slice('http://'.length)} (the backup's outcome is unchanged)`)
    expect(outcome.stderr).not.to.contain('tok-42').and.not.to.contain(UUID)
  })

  describe('a scheme config file that is refused (exit 2)', function () {
    const notify = () => ({webhooks: [{url: `${sink.url}/hook?token=tok-42`}], healthchecks: `${sink.url}/${UUID}`})
    const brokenEntry = {app: [{type: 'backup_host_directories', directorys: ['./data']}]}
    const run = (args: string[], cwd: string) => isolated(() => captureOutput(() => Backup.run(args, LOAD_OPTIONS)), {cwd, dataDir: sb.dataDir})

    it("is still notified through the file's own $settings.notify, which is sound: the error document and /fail", async function () {
      const dir = await bindProject(sb, {'backupbot.json': JSON.stringify({...brokenEntry, $settings: {notify: notify()}})})
      const outcome = await run(['--json'], dir)
      expect(outcome.exitCode).to.equal(2)
      expect(seen().filter((r) => !r.includes('/hook'))).to.deep.equal([`POST /${UUID}/fail`])
      expect(webhookBody()).to.deep.equal(jsonOf(outcome)).and.to.have.nested.property('error.exitCode', 2)
      expect(sink.requests.find((r) => r.url.endsWith('/fail'))!.body).to.contain('backupbot.json: app[0]').and.to.contain('directorys')
      expect(outcome.stderr).not.to.contain('tok-42').and.not.to.contain(UUID)
    })

    it('is not notified when the notify part is broken itself, nor on a dry run', async function () {
      const badUrl = {...notify(), healthchecks: 'hc-ping.com/no-scheme'}
      const dir = await bindProject(sb, {'backupbot.json': JSON.stringify({...brokenEntry, $settings: {notify: badUrl}})})
      expect((await run([], dir)).exitCode).to.equal(2)
      const dry = await bindProject(sb, {'backupbot.json': JSON.stringify({...brokenEntry, $settings: {notify: notify()}})})
      expect((await run(['--dry-run'], dry)).exitCode).to.equal(2)
      expect(sink.requests).to.deep.equal([])
    })
  })

  it('sends nothing for a dry run', async function () {
    const dir = await bindProject(sb)
    const outcome = await backup({webhooks: [{url: `${sink.url}/hook`, when: 'always'}], healthchecks: `${sink.url}/${UUID}`}, ['--dry-run'], dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect(sink.requests).to.deep.equal([])
  })
})
