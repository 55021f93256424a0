// `backupbot list-versions`: the backup tree as scripts read it; needs no compose project.
import {expect} from 'chai'
import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import path from 'node:path'

import {backedUpProject, jsonOf, type Sandbox, useSandbox} from '../support/run-command.js'

describe('backupbot list-versions', function () {
  let sb: Sandbox
  useSandbox((created) => (sb = created))

  it('lists every item with its versions, newest first, as one JSON document', async function () {
    const dir = await backedUpProject(sb)
    expect((await sb.run(['backup'], dir)).exitCode).to.equal(0)
    const outcome = await sb.run(['list-versions', '--json'], dir)
    expect(outcome.exitCode).to.equal(0)
    const doc = jsonOf(outcome)
    const target = path.join(dir, 'backups')
    const itemDir = path.join(target, 'app', 'bind_mounts', 'data')
    expect(doc).to.have.all.keys('target', 'items')
    expect(doc.target).to.equal(target)
    expect(doc.items).to.have.length(1)
    const [item] = doc.items
    expect(item).to.have.all.keys('service', 'folder', 'item', 'dir', 'versions')
    expect(item).to.include({service: 'app', folder: 'bind_mounts', item: 'data', dir: itemDir})
    expect(item.versions.map((v: {number: number}) => v.number)).to.deep.equal([1, 2])
    expect(item.versions[0].created > item.versions[1].created).to.equal(true)
    for (const version of item.versions) {
      const file = path.join(itemDir, `data.${version.number}`, 'data.tar.gz')
      expect(version).to.have.all.keys('number', 'dir', 'created', 'bytes', 'sha256', 'file', 'manifest')
      expect(version).to.include({dir: path.dirname(file), file})
      expect(version.sha256).to.equal(createHash('sha256').update(await readFile(file)).digest('hex'))
      expect(version.manifest).to.include({project: 'bind-project', service: 'app', scheme: 'backup_host_directories', item: 'data', file: 'data.tar.gz'})
    }
    expect(outcome.stderr).to.equal('')
  })

  it('prints an empty list for a target that does not exist', async function () {
    const target = path.join(sb.dir, 'no-backups-yet')
    const outcome = await sb.run(['list-versions', '--target', target, '--json'], sb.dir)
    expect(outcome.exitCode).to.equal(0)
    expect(jsonOf(outcome)).to.deep.equal({target, items: []})
  })

  it('takes the target from BACKUPBOT_TARGET when --target is not given, as backup does', async function () {
    const dir = await backedUpProject(sb)
    const target = path.join(sb.dir, 'elsewhere')
    expect((await sb.run(['backup'], dir, {BACKUPBOT_TARGET: target})).exitCode).to.equal(0)
    expect(jsonOf(await sb.run(['list-versions', '--json'], dir, {BACKUPBOT_TARGET: target})).target).to.equal(target)
    expect(jsonOf(await sb.run(['list-versions', '--json'], dir, {BACKUPBOT_TARGET: target})).items).to.have.length(1)
    // --target wins over the environment.
    expect(jsonOf(await sb.run(['list-versions', '--target', path.join(dir, 'backups'), '--json'], dir, {BACKUPBOT_TARGET: target})).target).to.equal(path.join(dir, 'backups'))
  })

  it('lists only the service named', async function () {
    const dir = await backedUpProject(sb)
    expect(jsonOf(await sb.run(['list-versions', 'app', '--json'], dir)).items).to.have.length(1)
    expect(jsonOf(await sb.run(['list-versions', 'db', '--json'], dir)).items).to.deep.equal([])
  })

  it("refuses --all-hosts with exit 2 for the local tree, which holds one machine's backups", async function () {
    const dir = await backedUpProject(sb)
    const outcome = await sb.run(['list-versions', '--all-hosts'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stdout).to.equal('')
    expect(outcome.stderr).to.contain(`backupbot: --all-hosts is for a store that several machines share (restic:<repo>), but the local tree ${path.join(dir, 'backups')} holds one machine's backups`)
  })

  it('prints one block per item on stdout without --json', async function () {
    const dir = await backedUpProject(sb)
    const outcome = await sb.run(['list-versions', '--target', path.join(dir, 'backups')], sb.dir)
    expect(outcome.exitCode).to.equal(0)
    expect(outcome.stdout).to.match(/^app\/bind_mounts\/data\n  \.1  \S+ +\d+ B  sha256:[0-9a-f]{64}\n$/)
    expect(outcome.stderr).to.equal('')
  })
})
