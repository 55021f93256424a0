// `backupbot inspect`: what backupbot finds in a compose project, read from the compose files
// alone (no Docker engine without --discover).
import {expect} from 'chai'
import path from 'node:path'

import {bindProject, jsonOf, type Sandbox, useSandbox} from '../support/run-command.js'

describe('backupbot inspect', function () {
  let sb: Sandbox
  useSandbox((created) => (sb = created))

  it('prints the bind-mounted host directories of the project in the current directory as JSON', async function () {
    const dir = await bindProject(sb)
    const outcome = await sb.run(['inspect', '--json'], dir)
    expect(outcome.exitCode).to.equal(0)
    const data = path.join(dir, 'data')
    expect(jsonOf(outcome)).to.deep.equal({
      app: {
        host_directories: [data],
        volumes: [],
        mounts: [{type: 'bind', target: '/data', read_only: false, backed_up: true, source: data}],
      },
    })
    expect(outcome.stderr).to.equal('')
  })

  it('names named volumes as the engine does and reports anonymous volumes as not backed up', async function () {
    const dir = await sb.project('volume-project')
    const outcome = await sb.run(['inspect', '--json', '-p', 'other'], dir)
    expect(outcome.exitCode).to.equal(0)
    const doc = jsonOf(outcome)
    expect(Object.keys(doc)).to.deep.equal(['app', 'reader', 'idle', 'big'])
    expect(doc.app.volumes).to.deep.equal(['appdata'])
    expect(doc.app.mounts).to.deep.equal([
      {type: 'volume', target: '/var/lib/app', read_only: false, backed_up: true, source: 'appdata', volume_name: 'other_appdata'},
      {type: 'anonymous', target: '/scratch', read_only: false, backed_up: false, reason: 'anonymous volume: not backed up'},
    ])
    expect(doc.big.mounts[0]).to.include({source: 'bigdata', volume_name: 'other_bigdata'})
  })

  it('prints a readable listing on stdout without --json', async function () {
    const dir = await sb.project('volume-project')
    const outcome = await sb.run(['inspect'], dir)
    expect(outcome.exitCode).to.equal(0)
    expect(outcome.stdout).to.contain(`project volume-project (${dir})`)
    expect(outcome.stdout).to.contain('/var/lib/app <- volume appdata (volume-project_appdata)')
    expect(outcome.stderr).to.equal('')
  })

  it('reads the compose file given with -f from another directory', async function () {
    const dir = await bindProject(sb)
    const outcome = await sb.run(['inspect', '--json', '-f', path.join(dir, 'compose.yaml')], sb.dir)
    expect(outcome.exitCode).to.equal(0)
    expect(jsonOf(outcome).app.host_directories).to.deep.equal([path.join(dir, 'data')])
  })

  it('exits 2 when the current directory holds no compose file', async function () {
    const outcome = await sb.run(['inspect'], sb.dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stdout).to.equal('')
    expect(outcome.stderr).to.contain(`backupbot: no compose file in ${sb.dir}`).and.to.contain('--compose')
  })
})
