// A `backup` run that SIGTERM interrupts while an item is written: what the interrupted item
// says is the signal, in --json (and so in webhooks and the on_error hooks' BACKUPBOT_ERROR),
// not the bare "This operation was aborted" of an AbortController aborted without a reason.
import {captureOutput} from '@oclif/test'
import {expect} from 'chai'
import path from 'node:path'

import Backup from '../../src/commands/backup.js'
import type {Store} from '../../src/store.js'
import {LocalStore} from '../../src/target/local-store.js'
import {storeKind} from '../support/fake-stores.js'
import {stores} from '../support/fakes.js'
import {noteHook, notes} from '../support/hooks.js'
import {bindProject, isolated, jsonOf, LOAD_OPTIONS, type Sandbox, useSandbox} from '../support/run-command.js'

/** A local tree that gets SIGTERM (as the process would) just as an item is to be written into it. */
class SignalledTree extends LocalStore {
  override write(...args: Parameters<Store['write']>): ReturnType<Store['write']> {
    process.emit('SIGTERM', 'SIGTERM')
    return super.write(...args)
  }
}

describe('backup interrupted by a signal', function () {
  let sb: Sandbox
  useSandbox((created) => (sb = created))

  it('reports the item interrupted by SIGTERM, to --json and to the on_error hooks, and exits 130', async function () {
    const dir = await bindProject(sb)
    const notesFile = path.join(sb.dir, 'notes')
    class SignalledBackup extends Backup {
      protected override async request(...given: Parameters<Backup['request']>) {
        const request = await super.request(...given)
        const kind = storeKind('signalled', (location) => new SignalledTree(location))
        return {...request, stores: stores(kind), targets: [`signalled:${path.join(dir, 'backups')}`], hooks: {on_error: [noteHook(notesFile, 'run')]}}
      }
    }
    const outcome = await isolated(() => captureOutput(() => SignalledBackup.run(['--json'], LOAD_OPTIONS)), {cwd: dir, dataDir: sb.dataDir})
    expect(outcome.exitCode, outcome.stderr).to.equal(130)
    expect(outcome.stderr).to.contain('SIGTERM received: stopping after cleanup')
    expect(jsonOf(outcome).items.map((i: {status: string; error: string}) => `${i.status}: ${i.error}`)).to.deep.equal(['interrupted: interrupted by SIGTERM'])
    expect(await notes(notesFile)).to.deep.equal(['run on_error interrupted interrupted by SIGTERM'])
  })
})
