// backup() from a request to stores: each --target opened through the store registry, with what
// the command was given (--prune). Over the bind-project fixture and a fake scheme, no engine.
import {expect} from 'chai'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {backup, type BackupRequest} from '../../../src/run/backup.js'
import type {BackupResult, DryRunResult} from '../../../src/run/result.js'
import {LocalStore} from '../../../src/target/local-store.js'
import {recordingLogger} from '../../../src/testing/index.js'
import {storeKind, UnreachableStore} from '../../support/fake-stores.js'
import {stores} from '../../support/fakes.js'
import {planningOf, scheme, useTempDir, withoutEngine} from '../../support/run-fakes.js'

const FIXTURE = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../fixtures/bind-project')

describe('backup', function () {
  const temp = useTempDir('backupbot-backup-')
  withoutEngine()

  const planning = scheme('backup_fake', async (_ctx, _item, out) => void out.end('data'), {
    defaultEntry: {},
    plan: async () => [{folder: 'fake', name: 'data', source: 'data', extension: '.txt', compress: false, data: {}}],
  })

  function request(extra: Partial<BackupRequest>): BackupRequest {
    return {
      ...planningOf(FIXTURE, [planning]),
      targets: [join(temp(), 'backups')],
      dryRun: false,
      signal: new AbortController().signal,
      version: '9.9.9',
      journalDir: join(temp(), 'journal'),
      ...extra,
    }
  }

  it('opens a prefixed --target through the plugin registered for it, passing --prune on', async function () {
    const kind = storeKind('fake', (location) => new LocalStore(location))
    const target = join(temp(), 'repo')
    const result = (await backup(request({targets: [`fake:${target}`], stores: stores(kind), prune: true, dryRun: true}))) as DryRunResult
    expect(result.target).to.equal(target)
    expect(result.items.map((i) => i.folder)).to.deep.equal([join(target, 'app', 'fake', 'data')])
    expect(kind.contexts.map((c) => c.prune)).to.deep.equal([true])
  })

  it('does not ask the store to prune without --prune', async function () {
    const kind = storeKind('fake', (location) => new LocalStore(location))
    await backup(request({targets: [`fake:${join(temp(), 'repo')}`], stores: stores(kind), dryRun: true}))
    expect(kind.contexts.map((c) => c.prune)).to.deep.equal([false])
  })

  it('still writes to the local tree when a repository target cannot be reached, and fails the run', async function () {
    const down = storeKind('down', (location) => new UnreachableStore(location, new Error('network is down')))
    const log = recordingLogger()
    const local = join(temp(), 'backups')
    const result = (await backup(request({targets: ['down:nas', local], stores: stores(down), log}))) as BackupResult
    expect(result.ok).to.equal(false)
    expect(result.items.map((i) => i.stores!.map((s) => s.status))).to.deep.equal([['failed', 'ok']])
    expect(result.items[0]!.stores![1]!.file).to.equal(join(local, 'app', 'fake', 'data', 'data.1', 'data.txt'))
    expect(log.lines.filter((l) => l.startsWith('warn: '))).to.deep.equal([
      'warn: nas cannot be reached: network is down; every item fails there, the other targets still get it',
      'warn: app: fake/data failed: nas: cannot be reached',
    ])
  })
})
