// `backupbot recover`: starts what a killed run left stopped, as the restart journal in
// BACKUPBOT_DATA_DIR/journal lists it. Connects to the engine only when there is something to
// start, so the outcomes below need none.
import {expect} from 'chai'
import {existsSync} from 'node:fs'

import {deadPid, journalEntry, jsonOf, type Sandbox, useSandbox} from '../support/run-command.js'

describe('backupbot recover', function () {
  let sb: Sandbox
  useSandbox((created) => (sb = created))

  it('exits 0 with an empty journal and says so as JSON', async function () {
    const outcome = await sb.run(['recover', '--json'], sb.dir)
    expect(outcome.exitCode).to.equal(0)
    expect(jsonOf(outcome)).to.deep.equal({ok: true, started: [], failed: [], skipped: [], gone: []})
    expect(outcome.stderr).to.equal('')
  })

  it('exits 0 with an empty journal and says so on stdout', async function () {
    const outcome = await sb.run(['recover'], sb.dir)
    expect(outcome.exitCode).to.equal(0)
    expect(outcome.stdout).to.equal('nothing to recover: no container was left stopped by backupbot\n')
  })

  it('leaves alone the records of a live run and of another Docker engine, and exits 0', async function () {
    const live = await journalEntry(sb.dataDir, 'live', {pid: process.pid})
    const other = await journalEntry(sb.dataDir, 'other', {pid: deadPid(), dockerHost: 'tcp://elsewhere.invalid:2375'})
    const outcome = await sb.run(['recover', '--json'], sb.dir)
    expect(outcome.exitCode).to.equal(0)
    expect(jsonOf(outcome)).to.deep.equal({
      ok: true,
      started: [],
      failed: [],
      skipped: [
        {name: 'bind-project-live-1', reason: `held by the running backupbot process ${process.pid}`},
        {name: 'bind-project-other-1', reason: 'stopped on another Docker engine (tcp://elsewhere.invalid:2375)'},
      ],
      gone: [],
    })
    expect(existsSync(live) && existsSync(other)).to.equal(true)
  })

  it('exits 1 and keeps the record when the container of a killed run cannot be started', async function () {
    const entry = await journalEntry(sb.dataDir, 'dead', {pid: deadPid()})
    const outcome = await sb.run(['recover', '--json'], sb.dir)
    expect(outcome.exitCode).to.equal(1)
    const doc = jsonOf(outcome)
    expect(doc).to.include({ok: false})
    expect(doc.failed.map((f: {name: string}) => f.name)).to.deep.equal(['bind-project-dead-1'])
    expect(doc.failed[0].error).to.contain('ENOENT')
    expect(existsSync(entry)).to.equal(true)
    expect(outcome.stderr).to.contain('warning: could not start bind-project-dead-1')
  })

  it('exits 1 without --json too, saying on stdout what could not be started', async function () {
    await journalEntry(sb.dataDir, 'dead', {pid: deadPid()})
    const outcome = await sb.run(['recover'], sb.dir)
    expect(outcome.exitCode).to.equal(1)
    expect(outcome.stdout).to.match(/^FAILED +bind-project-dead-1 +connect ENOENT /)
    expect(outcome.stdout).to.contain('1 container(s) could not be started; they stay in the restart journal')
  })
})
