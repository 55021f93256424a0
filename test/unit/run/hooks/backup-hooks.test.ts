// backup() with `hooks` set (what $settings.hooks gives): checked against the plan before anything
// is touched, listed and not run by --dry-run, host hooks run around a real run. Over the
// bind-project fixture (service `app`) and a fake scheme, no engine.
import {expect} from 'chai'
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {RunHooks} from '../../../../src/config/settings/types.js'
import {UsageError} from '../../../../src/errors.js'
import {backup, type BackupRequest} from '../../../../src/run/backup.js'
import type {BackupResult, DryRunResult} from '../../../../src/run/result.js'
import {planningOf, scheme, useTempDir, withoutEngine} from '../../../support/run-fakes.js'

const FIXTURE = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../fixtures/bind-project')
/** Four services: app, reader, idle, big. */
const VOLUME_FIXTURE = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../fixtures/volume-project')

describe('backup with hooks', function () {
  const temp = useTempDir('backupbot-backup-hooks-')
  withoutEngine()

  const fake = scheme('backup_fake', async (_ctx, _item, out) => void out.end('data'), {
    defaultEntry: {},
    plan: async () => [{folder: 'fake', name: 'data', source: 'data', extension: '.txt', compress: false, data: {}}],
  })

  function request(hooks: RunHooks, extra: Partial<BackupRequest> = {}): BackupRequest {
    return {
      ...planningOf(FIXTURE, [fake]),
      targets: [join(temp(), 'backups')],
      dryRun: false,
      signal: new AbortController().signal,
      version: '9.9.9',
      journalDir: join(temp(), 'journal'),
      hooks,
      ...extra,
    }
  }

  /** A shell hook that appends `<word> $BACKUPBOT_HOOK $BACKUPBOT_STATUS` and its directory to the log file. */
  const note = (word: string) => ({shell: `echo "${word} $BACKUPBOT_HOOK $BACKUPBOT_SERVICE $BACKUPBOT_STATUS $(pwd)" >> '${join(temp(), 'hooks.log')}'`})

  async function failure(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise
    } catch (error) {
      return error as Error
    }
    throw new Error('backup did not fail')
  }

  it('runs host hooks in the project directory around the items, the service\'s inside the run\'s', async function () {
    const result = (await backup(request({before: [note('run')], after: [note('run')], services: {app: {before: [note('app')], after: [note('app')]}}}))) as BackupResult
    expect(result.ok).to.equal(true)
    expect((await readFile(join(temp(), 'hooks.log'), 'utf8')).trim().split('\n')).to.deep.equal([
      `run before   ${FIXTURE}`,
      `app before app  ${FIXTURE}`,
      `app after app ok ${FIXTURE}`,
      `run after  ok ${FIXTURE}`,
    ])
    expect(result.hooks!.map((h) => `${h.phase} ${h.service ?? '-'} ${h.status}`)).to.deep.equal(['before - ok', 'before app ok', 'after app ok', 'after - ok'])
  })

  it('--dry-run lists the hooks, described, and runs none', async function () {
    const hooks: RunHooks = {before: [note('run'), {run: ['pg_isready']}], on_error: [{run: ['notify-send', 'backup failed']}], services: {app: {after: [{exec: ['php', 'occ', 'maintenance:mode', '--off'], user: 'www-data'}]}}}
    const result = (await backup(request(hooks, {dryRun: true}))) as DryRunResult
    expect(result.hooks).to.deep.equal({
      before: [`shell: echo "run $BACKUPBOT_HOOK $BACKUPBOT_SERVICE $BACKUPBOT_STATUS $(pwd)" >> '${temp()}`.slice(0, 99) + '…', 'run: pg_isready'],
      on_error: ['run: notify-send backup failed'],
      services: {app: {after: ['exec app: php occ maintenance:mode --off']}},
    })
    expect(existsSync(join(temp(), 'hooks.log'))).to.equal(false)
  })

  it('refuses hooks of a service that is not in the plan, naming the settings path, before any hook runs', async function () {
    const error = await failure(backup(request({before: [note('run')], services: {db: {before: [note('db')]}}})))
    expect(error).to.be.instanceOf(UsageError)
    expect(error.message).to.equal('$settings.hooks.services.db: no compose service db in this run: its hooks would never run')
    expect(existsSync(join(temp(), 'hooks.log'))).to.equal(false)
    expect(existsSync(join(temp(), 'backups'))).to.equal(false)
  })

  it('refuses an exec hook of the run that names no service, or one that does not exist', async function () {
    const none = await failure(backup(request({after: [{exec: ['true']}]})))
    expect(none.message).to.equal('$settings.hooks.after[0].service: an exec hook of the run names no service to run in')
    const unknown = await failure(backup(request({on_error: [note('x'), {exec: ['true'], service: 'web'}]})))
    expect(unknown.message).to.equal('$settings.hooks.on_error[1].service: no compose service web in this run')
  })

  it('refuses an exec hook of a service that names a service its project does not have', async function () {
    const error = await failure(backup(request({services: {app: {before: [{exec: ['true'], service: 'db'}]}}})))
    expect(error.message).to.equal('$settings.hooks.services.app.before[0].service: no service db in compose project bind-project')
  })

  it('leaves the hooks of a service left out on the command line alone, but not those of an unknown one', async function () {
    const selected = {cwd: VOLUME_FIXTURE, services: ['app'], dryRun: true}
    const result = (await backup(request({services: {reader: {before: [note('reader')]}}}, selected))) as DryRunResult
    expect(result.items.map((i) => i.service)).to.deep.equal(['app'])
    const error = await failure(backup(request({services: {readr: {before: [note('readr')]}}}, selected)))
    expect(error.message).to.equal('$settings.hooks.services.readr: no compose service readr in this run: its hooks would never run')
  })
})
