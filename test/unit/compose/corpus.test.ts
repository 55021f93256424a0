// Every project of the corpus must resolve to what docker-compose v1.29 produced (expected.json).
import {deepStrictEqual, equal} from 'node:assert/strict'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'

import {loadProject} from '../../../src/config/compose/load-project.js'
import {toSeedStructure} from '../../../src/config/compose/seed-structure.js'

const corpus = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/compose-corpus')
const projects = readdirSync(corpus)
  .filter((name) => statSync(join(corpus, name)).isDirectory())
  .sort()

/** Back to the corpus notation: `./x` or `.` inside the project, `~/x` under home, else absolute. */
function notation(path: string, projectDir: string): string {
  const inProject = relative(projectDir, path)
  if (inProject === '') return '.'
  if (!inProject.startsWith('..') && !inProject.startsWith(sep)) return `./${inProject}`
  const inHome = relative(homedir(), path)
  if (inHome === '') return '~'
  if (!inHome.startsWith('..') && !inHome.startsWith(sep)) return `~/${inHome}`
  return path
}

describe('the compose corpus', () => {
  it('holds the 39 projects of the corpus', () => {
    equal(projects.length, 39)
  })

  for (const name of projects) {
    it(`resolves ${name} like docker-compose v1.29`, async () => {
      const dir = join(corpus, name)
      const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'))
      const project = await loadProject({cwd: dir, env: {}})
      const seed = toSeedStructure(project)
      const services = Object.fromEntries(
        Object.entries(seed).map(([service, s]) => [
          service,
          {host_directories: s.host_directories.map((path) => notation(path, project.directory)), volumes: s.volumes},
        ]),
      )
      const volumeNames = Object.fromEntries(Object.entries(project.volumes).map(([key, volume]) => [key, volume.name]))
      deepStrictEqual({project: project.name, services, volume_names: volumeNames}, expected)
    })
  }
})
