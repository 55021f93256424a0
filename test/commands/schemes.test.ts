// `backupbot schemes`: the installed scheme types, as scripts read them.
import {expect} from 'chai'

import {jsonOf, type Sandbox, useSandbox} from '../support/run-command.js'

describe('backupbot schemes', function () {
  let sb: Sandbox
  useSandbox((created) => (sb = created))

  it('lists exactly the bundled schemes and their plugins as one JSON document', async function () {
    const outcome = await sb.run(['schemes', '--json'], sb.dir)
    expect(outcome.exitCode).to.equal(0)
    const doc = jsonOf(outcome)
    expect(Object.keys(doc)).to.deep.equal(['schemes', 'failures'])
    expect(doc.failures).to.deep.equal([])
    expect(doc.schemes.map((s: {type: string; aliases: string[]; plugin: string}) => ({type: s.type, aliases: s.aliases, plugin: s.plugin}))).to.deep.equal([
      {type: 'backup_host_directories', aliases: [], plugin: '@backupbot/plugin-host-directories'},
      {type: 'backup_mysql', aliases: [], plugin: '@backupbot/plugin-mysql'},
      {type: 'backup_volume', aliases: ['backup_volumes'], plugin: '@backupbot/plugin-volumes'},
    ])
    for (const scheme of doc.schemes) {
      expect(scheme).to.have.all.keys('type', 'aliases', 'plugin', 'description')
      expect(scheme.description).to.be.a('string').and.not.equal('')
    }
    expect(outcome.stderr).to.equal('')
  })

  it('prints one line per scheme on stdout without --json', async function () {
    const outcome = await sb.run(['schemes'], sb.dir)
    expect(outcome.exitCode).to.equal(0)
    const lines = outcome.stdout.trim().split('\n')
    expect(lines).to.have.length(3)
    expect(lines[0]).to.match(/^backup_host_directories\s+@backupbot\/plugin-host-directories\s+tar\.gz archives/)
    expect(outcome.stdout).not.to.contain('backup_postgres')
    expect(outcome.stderr).to.equal('')
  })
})
