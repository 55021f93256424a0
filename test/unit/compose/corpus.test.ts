// Every project of the corpus must resolve to what docker-compose v1.29 produced (expected.json).
import {deepStrictEqual, equal} from 'node:assert/strict'
import {join} from 'node:path'

import {loadProject} from '../../../src/config/compose/load-project.js'
import {inspectStructure} from '../../../src/render/inspect-structure.js'
import {corpusDir, corpusProjects, expectedFor, servicesInNotation} from '../../support/corpus.js'

describe('the compose corpus', () => {
  it('holds the 39 projects of the corpus', () => {
    equal(corpusProjects.length, 39)
  })

  for (const name of corpusProjects) {
    it(`resolves ${name} like docker-compose v1.29`, async () => {
      const project = await loadProject({cwd: join(corpusDir, name), env: {}})
      const services = servicesInNotation(inspectStructure(project), project.directory)
      const volumeNames = Object.fromEntries(Object.entries(project.volumes).map(([key, volume]) => [key, volume.name]))
      deepStrictEqual({project: project.name, services, volume_names: volumeNames}, expectedFor(name))
    })
  }
})
