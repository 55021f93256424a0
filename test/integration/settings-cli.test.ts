// Issue 11 end to end: the built CLI against a real engine (test/fixtures/hooks-project), with its
// hooks, notifications and metrics file configured only in the project's backupbot.yaml
// (`$settings`; no flag but --metrics-file exists for them): hooks around a run, `after` and
// `on_error` after SIGTERM, webhook and healthchecks pings to a real HTTP server, the metrics file.
import {expect} from 'chai'
import yaml from 'js-yaml'
import {randomBytes} from 'node:crypto'
import {mkdtemp, readdir, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import type {Settings} from '../../src/config/settings/types.js'
import {type CliResult, runCli, spawnCli} from '../support/cli.js'
import {useCliSuite, waitUntil} from '../support/compose.js'
import {docker} from '../support/engine.js'
import {noteHook, notes} from '../support/hooks.js'
import {type HttpSink, httpSink} from '../support/http-sink.js'
import {freePort} from '../support/ports.js'
import {readMetrics} from '../support/prometheus.js'

const FIXTURE = fileURLToPath(new URL('../fixtures/hooks-project', import.meta.url))

describe('the settings file through the CLI: hooks, notifications, metrics (real engine)', function () {
  this.timeout(120_000)
  const suite = useCliSuite(FIXTURE)
  let target: string
  let notesFile: string

  const webVolume = {web: [{type: 'backup_volume', volumes: ['webdata']}]}
  const state = async (service: string) => (await docker().getContainer(await suite.project.containerId(service)).inspect()).State
  const versions = async (service: string, volume: string) =>
    (await readdir(path.join(target, service, 'named_volumes', volume)).catch(() => [] as string[])).filter((e) => !e.startsWith('.'))

  /** Writes the project's backupbot.yaml (found by `backup` in its directory): the entries, and `$settings` with the test's target. */
  async function settingsFile(entries: Record<string, unknown[]>, settings: Settings = {}): Promise<void> {
    await writeFile(path.join(suite.project.dir, 'backupbot.yaml'), yaml.dump({...entries, $settings: {targets: [target], ...settings}}))
  }

  const backup = (args: string[] = []) => runCli(['backup', '--json', ...args], {cwd: suite.project.dir, env: suite.env, reject: false})
  const json = (r: Pick<CliResult, 'stdout'>) => JSON.parse(r.stdout)

  beforeEach(async function () {
    target = await mkdtemp(path.join(suite.work, 'backups-'))
    notesFile = path.join(target, 'notes')
  })

  it('runs a service exec hook in the running container and a run host hook on this machine, listed ok in --json', async function () {
    await suite.project.exec('web', ['rm', '-f', '/tmp/marker'])
    await settingsFile(webVolume, {
      hooks: {
        after: [noteHook(notesFile, 'run')],
        services: {web: {before: [{exec: ['sh', '-c', 'echo "$BACKUPBOT_HOOK $BACKUPBOT_SERVICE" > /tmp/marker']}]}},
      },
    })
    const r = await backup()
    expect(r.exitCode, r.stderr).to.equal(0)
    const doc = json(r)
    expect(doc.items.map((i: {item: string; status: string}) => `${i.item} ${i.status}`)).to.deep.equal(['webdata ok'])
    expect(doc.hooks.map((h: {phase: string; service?: string; status: string}) => `${h.phase} ${h.service ?? '-'} ${h.status}`)).to.deep.equal([
      'before web ok',
      'after - ok',
    ])
    expect(doc.hooks[0].hook).to.equal('exec web: sh -c echo "$BACKUPBOT_HOOK $BACKUPBOT_SERVICE" > /tmp/marker')
    // Written before the volume item stopped web; the same container runs again with it.
    expect((await suite.project.exec('web', ['cat', '/tmp/marker'])).stdout.trim()).to.equal('before web')
    expect(await notes(notesFile)).to.deep.equal(['run after ok'])
    expect(await versions('web', 'webdata')).to.deep.equal(['webdata.1'])
  })

  it('runs on_error and after when SIGTERM comes while a volume is read with its service stopped: exit 130, the service runs again, nothing kept', async function () {
    await settingsFile(
      // A read that lasts until the signal, with db stopped the whole time.
      {db: [{type: 'backup_volume', volumes: ['dbdata'], stop: true, command: 'sleep 30', use_mountpoint: false}]},
      {
        hooks: {
          on_error: [noteHook(notesFile, 'run')],
          after: [noteHook(notesFile, 'run')],
          services: {db: {before: [noteHook(notesFile, 'db')], on_error: [noteHook(notesFile, 'db')], after: [noteHook(notesFile, 'db')]}},
        },
      },
    )
    const startedBefore = (await state('db')).StartedAt
    const child = spawnCli(['backup', '--json'], {cwd: suite.project.dir, env: suite.env})
    await waitUntil(async () => !(await state('db')).Running, {timeoutMs: 60_000, intervalMs: 50, what: 'the db service to be stopped'})
    child.kill('SIGTERM')
    const r = await child
    expect(r.exitCode, r.stderr).to.equal(130)
    expect(json(r).items.map((i: {status: string; error: string}) => `${i.status}: ${i.error}`)).to.deep.equal(['interrupted: interrupted by SIGTERM'])
    const db = await state('db')
    expect(db.Running).to.equal(true)
    expect(db.StartedAt).not.to.equal(startedBefore)
    expect(await notes(notesFile)).to.deep.equal([
      'db before db',
      'db on_error db interrupted interrupted by SIGTERM',
      'db after db interrupted',
      'run on_error interrupted interrupted by SIGTERM',
      'run after interrupted',
    ])
    expect(await versions('db', 'dbdata')).to.deep.equal([])
  })

  describe('notifications', function () {
    let sink: HttpSink
    // A ping key: long enough to be masked as a secret wherever it would be printed.
    const token = randomBytes(12).toString('hex')
    const requests = () => sink.requests.map((q) => `${q.method} ${q.url}`)
    const expectNoToken = (r: CliResult) => expect(`${r.stdout}\n${r.stderr}`).not.to.contain(token)
    const notify = (base: string) => ({webhooks: [{url: `${base}/webhook`, when: 'always' as const}], healthchecks: `${base}/ping/${token}`})

    before(async function () {
      sink = await httpSink()
    })

    after(async function () {
      await sink?.close()
    })

    beforeEach(function () {
      sink.requests = []
    })

    it('pings /start, then success, and posts the --json document to the webhook; the token is printed nowhere', async function () {
      await settingsFile(webVolume, {notify: notify(sink.url)})
      const r = await backup(['--verbose'])
      expect(r.exitCode, r.stderr).to.equal(0)
      expect(requests()[0]).to.equal(`POST /ping/${token}/start`)
      expect(requests().slice(1).sort()).to.deep.equal([`POST /ping/${token}`, 'POST /webhook'])
      const webhook = sink.requests.find((q) => q.url === '/webhook')!
      expect(webhook.headers['content-type']).to.match(/^application\/json/)
      expect(JSON.parse(webhook.body)).to.deep.equal(json(r))
      expect(json(r).ok).to.equal(true)
      // --verbose logs every delivery with its URL: masked.
      expect(r.stderr).to.contain('healthchecks ping POST')
      expectNoToken(r)
    })

    it('pings /fail with the end of the output when a before hook fails: exit 1', async function () {
      await settingsFile(webVolume, {notify: notify(sink.url), hooks: {before: [{run: ['false']}]}})
      const r = await backup()
      expect(r.exitCode, r.stderr).to.equal(1)
      expect(requests()).to.include(`POST /ping/${token}/fail`)
      expect(requests()).not.to.include(`POST /ping/${token}`)
      const fail = sink.requests.find((q) => q.url === `/ping/${token}/fail`)!
      expect(fail.body).to.contain('before hook failed')
      const webhook = sink.requests.find((q) => q.url === '/webhook')!
      expect(JSON.parse(webhook.body)).to.deep.equal(json(r))
      expect(json(r).ok).to.equal(false)
      expect(await versions('web', 'webdata')).to.deep.equal([])
      expectNoToken(r)
    })

    it('warns about an endpoint that does not answer and leaves the exit code alone', async function () {
      const dead = `http://127.0.0.1:${await freePort()}`
      await settingsFile(webVolume, {notify: {...notify(dead), timeout: 2, retries: 0}})
      const r = await backup()
      expect(r.exitCode, r.stderr).to.equal(0)
      expect(json(r).ok).to.equal(true)
      expect(r.stderr).to.match(new RegExp(`healthchecks ping POST ${dead}/ping/\\*\\*\\*/start failed after 1 attempt\\(s\\)`))
      expect(r.stderr).to.match(new RegExp(`webhook POST ${dead}/webhook failed after 1 attempt\\(s\\)`))
      expect(sink.requests).to.deep.equal([])
      expectNoToken(r)
    })
  })

  it('writes the metrics_file of the settings, and --metrics-file given on the command line instead', async function () {
    const fromSettings = path.join(suite.work, 'settings.prom')
    const fromFlag = path.join(suite.work, 'flag.prom')
    await settingsFile(webVolume, {metrics_file: fromSettings})
    const r = await backup()
    expect(r.exitCode, r.stderr).to.equal(0)
    const m = await readMetrics(fromSettings)
    const [item] = json(r).items
    expect(m.value('backupbot_run_status')).to.equal(1)
    expect(m.value('backupbot_run_exit_code')).to.equal(0)
    expect(m.value('backupbot_item_bytes', {project: suite.project.name, service: 'web', scheme: 'backup_volume', item: 'webdata', target})).to.equal(item.bytes)

    const written = (await stat(fromSettings)).mtimeMs
    const flagged = await backup(['--metrics-file', fromFlag])
    expect(flagged.exitCode, flagged.stderr).to.equal(0)
    expect((await readMetrics(fromFlag)).value('backupbot_run_status')).to.equal(1)
    expect((await stat(fromSettings)).mtimeMs, 'the settings file\'s metrics file untouched').to.equal(written)
  })
})
