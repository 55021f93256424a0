// `backupbot inspect` through the real CLI: over the whole compose corpus, and with --discover
// against projects running on the real engine.
import {expect} from 'chai'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {corpusDir, corpusProjects, expectedFor, servicesInNotation} from '../support/corpus.js'
import {runCli} from '../support/cli.js'
import {type ComposeProject, cleanupTestResources, startComposeProject} from '../support/compose.js'
import {requireEngine} from '../support/engine.js'

describe('backupbot inspect --json over the compose corpus', function () {
  for (const name of corpusProjects) {
    it(`prints what docker-compose resolves for ${name}`, async function () {
      const dir = path.join(corpusDir, name)
      const {stdout} = await runCli(['inspect', '--json'], {cwd: dir, env: {HOME: process.env.HOME}})
      const seed = JSON.parse(stdout)
      const expected = expectedFor(name)
      expect(servicesInNotation(seed, dir)).to.deep.equal(expected.services)
      // Extra detail: every mounted named volume carries its engine name.
      for (const service of Object.values<{mounts: Array<{type: string; source: string; volume_name?: string}>}>(seed)) {
        for (const mount of service.mounts.filter((m) => m.type === 'volume')) {
          expect(mount.volume_name).to.equal(expected.volume_names[mount.source])
        }
      }
    })
  }
})

describe('backupbot --discover', function () {
  const fixture = fileURLToPath(new URL('../fixtures/bind-project', import.meta.url))
  let project: ComposeProject

  before(async function () {
    await requireEngine()
    await cleanupTestResources()
    project = await startComposeProject(fixture)
  })

  after(async function () {
    await project?.down()
  })

  it('finds a running compose project through its labels, from any directory', async function () {
    const {stdout} = await runCli(['inspect', '--discover', '--json'], {cwd: '/'})
    const all = JSON.parse(stdout)
    expect(all).to.have.property(project.name)
    expect(all[project.name].app.host_directories).to.deep.equal([path.join(project.dir, 'data')])
  })

  it('backs a discovered project up into its own folder under the target', async function () {
    const target = path.join(project.dir, 'discovered')
    const {stdout} = await runCli(['backup', '--discover', '--target', target, '--json', 'app'], {cwd: '/'})
    const result = JSON.parse(stdout)
    const mine = result.items.filter((i: {project: string}) => i.project === project.name)
    expect(mine).to.have.length(1)
    expect(mine[0].status).to.equal('ok')
    expect(mine[0].file).to.equal(path.join(target, project.name, 'app', 'bind_mounts', 'data', 'data.1', 'data.tar.gz'))
  })
})
