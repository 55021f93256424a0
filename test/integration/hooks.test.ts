// $settings.hooks around a real compose project (test/fixtures/hooks-project), through backup()
// in this process: exec hooks in the running containers, host hooks on this machine, `after`
// after a failing item and after an interrupt, a failing service `before` that stops nothing,
// and timeouts.
import {expect} from 'chai'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import type {RunHooks} from '../../src/config/settings/types.js'
import {backup} from '../../src/run/backup.js'
import type {BackupResult} from '../../src/run/result.js'
import type {SchemeDefinition} from '../../src/scheme.js'
import {libraryRequest, type LibraryRequestOptions} from '../support/backup-request.js'
import {cleanupTestResources, type ComposeProject, startBusyboxProject} from '../support/compose.js'
import {docker} from '../support/engine.js'
import {noteHook, notes} from '../support/hooks.js'

const FIXTURE = fileURLToPath(new URL('../fixtures/hooks-project', import.meta.url))

/** What the probe scheme's item does: fail at once, or wait for the interrupt (`started` says it began). */
const probe: {mode: 'fail' | 'hang'; started?: () => void} = {mode: 'fail'}

const probeScheme: SchemeDefinition<Record<string, never>, Record<string, never>> = {
  type: 'backup_probe',
  apiVersion: 2,
  description: 'test: an item that fails, or runs until interrupted',
  optionsSchema: {type: 'object', additionalProperties: false},
  plan: async () => [{folder: 'probe', name: 'probe', source: 'probe', extension: '.txt', compress: false, data: {}}],
  async backup(ctx) {
    if (probe.mode === 'fail') throw new Error('the probe failed on purpose')
    probe.started?.()
    await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, {once: true}))
    throw new Error('interrupted')
  },
}

describe('hooks with a real engine', function () {
  this.timeout(180_000)
  let project: ComposeProject
  let dataDir: string
  let notesFile: string

  const startedAt = async (service: string) => (await docker().getContainer(await project.containerId(service)).inspect()).State
  const inContainer = async (service: string, file: string) => (await project.exec(service, ['cat', file], {reject: false})).stdout.trim()

  async function run(hooks: RunHooks, extra: LibraryRequestOptions = {}): Promise<BackupResult & {log: string[]}> {
    const request = await libraryRequest(project, dataDir, {hooks, ...extra}, [probeScheme])
    const result = (await backup(request)) as BackupResult
    return {...result, log: request.log.lines}
  }

  /** A scheme config: each service's entries (not backupbot.json: the other tests plan without one). */
  async function config(entries: Record<string, unknown[]>): Promise<string> {
    const file = path.join(project.dir, 'probe-config.json')
    await writeFile(file, JSON.stringify(entries))
    return file
  }

  before(async function () {
    this.timeout(300_000)
    project = await startBusyboxProject(FIXTURE)
  })

  after(async function () {
    await project?.down()
    await cleanupTestResources()
  })

  beforeEach(async function () {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'bb-hooks-'))
    notesFile = path.join(dataDir, 'notes')
    probe.mode = 'fail'
    probe.started = undefined
    await project.exec('web', ['rm', '-f', '/tmp/marker', '/tmp/maintenance'])
  })

  afterEach(async function () {
    await rm(dataDir, {recursive: true, force: true})
  })

  it('an exec before hook writes a marker in the running container (user and workdir passed), a host after hook a file on this machine', async function () {
    const result = await run({
      before: [{exec: ['sh', '-c', 'echo "$BACKUPBOT_HOOK $BACKUPBOT_PROJECT $(id -un) $(pwd)" > marker'], service: 'web', user: 'nobody', workdir: '/tmp'}],
      after: [noteHook(notesFile, 'host')],
    })
    expect(result.ok, result.log.join('\n')).to.equal(true)
    expect(await inContainer('web', '/tmp/marker')).to.equal(`before ${project.name} nobody /tmp`)
    expect(await notes(notesFile)).to.deep.equal(['host after ok'])
    expect(result.items.map((i) => `${i.service} ${i.status}`)).to.deep.equal(['web ok', 'db ok'])
    expect(result.hooks!.map((h) => `${h.phase} ${h.status}`)).to.deep.equal(['before ok', 'after ok'])
    expect(result.hooks![0]!.hook).to.equal('exec web: sh -c echo "$BACKUPBOT_HOOK $BACKUPBOT_PROJECT $(id -un) $(pwd)" > marker')
  })

  it('service exec hooks go around the service\'s items: maintenance on before, off after its containers run again', async function () {
    const maintenance = (mode: string) => ({exec: ['sh', '-c', `echo ${mode} >> /tmp/maintenance; echo "maintenance mode ${mode}"`]})
    const result = await run({services: {web: {before: [maintenance('on')], after: [maintenance('off')]}}})
    expect(result.ok, result.log.join('\n')).to.equal(true)
    expect(await inContainer('web', '/tmp/maintenance')).to.equal('on\noff')
    // The hook's output reaches the log, line by line, with its prefix.
    expect(result.log).to.include('info: hook before[0] web: maintenance mode on')
    expect(result.log).to.include('info: hook after[0] web: maintenance mode off')
  })

  it('after a failing item: on_error with the error, then after, and the run fails', async function () {
    const configFile = await config({web: [{type: 'backup_volume'}], db: [{type: 'backup_probe'}]})
    const result = await run({on_error: [noteHook(notesFile, 'run')], after: [noteHook(notesFile, 'run')], services: {db: {on_error: [noteHook(notesFile, 'db')], after: [noteHook(notesFile, 'db')]}}}, {config: configFile})
    expect(result.ok).to.equal(false)
    expect(result.items.map((i) => `${i.service} ${i.status}`)).to.deep.equal(['web ok', 'db failed'])
    expect(await notes(notesFile)).to.deep.equal([
      'db on_error db failed the probe failed on purpose',
      'db after db failed',
      'run on_error failed the probe failed on purpose',
      'run after failed',
    ])
  })

  it('after an interrupt while an item runs: on_error and after run, the containers run again', async function () {
    probe.mode = 'hang'
    const controller = new AbortController()
    probe.started = () => controller.abort()
    const configFile = await config({db: [{type: 'backup_volume'}, {type: 'backup_probe'}]})
    const dbBefore = await startedAt('db')
    const result = await run(
      {before: [{exec: ['sh', '-c', 'echo on > /tmp/maintenance'], service: 'web'}], on_error: [noteHook(notesFile, 'run')], after: [noteHook(notesFile, 'run'), {exec: ['sh', '-c', 'echo off >> /tmp/maintenance'], service: 'web'}]},
      {config: configFile, signal: controller.signal},
    )
    expect(result.ok).to.equal(false)
    expect(result.items.map((i) => `${i.item} ${i.status}`)).to.deep.equal(['dbdata ok', 'probe interrupted'])
    expect(await notes(notesFile)).to.deep.equal(['run on_error interrupted interrupted', 'run after interrupted'])
    expect(await inContainer('web', '/tmp/maintenance')).to.equal('on\noff')
    expect((await startedAt('db')).Running).to.equal(true)
    expect((await startedAt('db')).StartedAt).not.to.equal(dbBefore.StartedAt) // its volume item stopped it and started it again
  })

  it('a failing service before skips that service\'s items without stopping its containers; the others are backed up and the run fails', async function () {
    const db = await startedAt('db')
    const result = await run({
      services: {
        db: {before: [{exec: ['sh', '-c', 'echo "db is not ready" >&2; exit 3']}], on_error: [noteHook(notesFile, 'db')], after: [noteHook(notesFile, 'db')]},
        web: {before: [noteHook(notesFile, 'web')]},
      },
    })
    expect(result.ok).to.equal(false)
    const dbItem = result.items.find((i) => i.service === 'db')!
    expect(dbItem.status).to.equal('failed')
    expect(dbItem.error).to.match(/^skipped: before hook failed: exec db: sh -c .*: exited with code 3 in \S+: db is not ready$/)
    expect(dbItem).not.to.have.property('file')
    expect(result.items.find((i) => i.service === 'web')!.status).to.equal('ok')
    // Never stopped: still running since before the run.
    expect(await startedAt('db')).to.deep.include({Running: true, StartedAt: db.StartedAt})
    expect(await notes(notesFile)).to.deep.equal(['web before web', 'db on_error db failed before hook failed: exec db: sh -c echo "db is not ready" >&2; exit 3: exited with code 3 in ' + (await containerName('db')) + ': db is not ready', 'db after db failed'])
  })

  it('stops waiting for hooks that outlast their timeout, host and exec, and fails what they guard', async function () {
    const started = Date.now()
    const result = await run({
      services: {web: {before: [{exec: ['sleep', '30'], timeout: 1}]}, db: {before: [{run: ['sleep', '30'], timeout: 1}]}},
    })
    expect(Date.now() - started).to.be.lessThan(20_000)
    expect(result.ok).to.equal(false)
    expect(result.hooks!.map((h) => `${h.service} ${h.status} ${h.error}`)).to.deep.equal([
      `web failed timed out after 1 s: gave up waiting (it may still run in ${await containerName('web')})`,
      'db failed timed out after 1 s: stopped (SIGTERM, SIGKILL after 5 s)',
    ])
    expect(result.items.map((i) => i.status)).to.deep.equal(['failed', 'failed'])
  })

  it('fails an exec hook whose service has no running container, with a clear message', async function () {
    await project.compose(['stop', 'tool'])
    try {
      const result = await run({after: [{exec: ['true'], service: 'tool'}]})
      expect(result.ok).to.equal(false)
      expect(result.items.map((i) => i.status)).to.deep.equal(['ok', 'ok'])
      expect(result.hooks![0]!.error).to.equal(`service tool of compose project ${project.name} has no running container to run it in (start it: docker compose up -d tool)`)
    } finally {
      await project.compose(['start', 'tool'])
    }
  })

  async function containerName(service: string): Promise<string> {
    return (await docker().getContainer(await project.containerId(service)).inspect()).Name.replace(/^\//, '')
  }
})
