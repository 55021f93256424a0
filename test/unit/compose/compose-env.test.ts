// COMPOSE_FILE, COMPOSE_PATH_SEPARATOR, --project-directory and --env-file, as Compose reads them.
import {deepStrictEqual, equal, rejects} from 'node:assert/strict'
import {mkdir, mkdtemp, realpath, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {composeEnv, composeFilesFromEnv, projectDirectory} from '../../../src/config/compose/compose-env.js'
import {loadProject} from '../../../src/config/compose/load-project.js'
import {UsageError} from '../../../src/errors.js'

describe('the compose environment', () => {
  let dir: string
  beforeEach(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'backupbot-compose-env-')))
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })
  const write = async (name: string, text: string) => {
    await mkdir(join(dir, name, '..'), {recursive: true})
    await writeFile(join(dir, name), text)
  }

  it('composeFilesFromEnv splits COMPOSE_FILE on COMPOSE_PATH_SEPARATOR (default :), relative to cwd', () => {
    deepStrictEqual(composeFilesFromEnv({COMPOSE_FILE: 'a.yaml:/x/b.yaml'}, '/srv'), ['/srv/a.yaml', '/x/b.yaml'])
    deepStrictEqual(composeFilesFromEnv({COMPOSE_FILE: 'a.yaml;b.yaml', COMPOSE_PATH_SEPARATOR: ';'}, '/srv'), ['/srv/a.yaml', '/srv/b.yaml'])
    equal(composeFilesFromEnv({COMPOSE_FILE: ''}, '/srv'), undefined)
    equal(composeFilesFromEnv({}, '/srv'), undefined)
  })

  it('projectDirectory is --project-directory against cwd, else the first compose file\'s directory', () => {
    equal(projectDirectory('proj', '/srv', ['/x/compose.yaml']), '/srv/proj')
    equal(projectDirectory(undefined, '/srv', ['/x/compose.yaml', '/y/o.yaml']), '/x')
  })

  it('composeEnv reads .env, or instead the --env-files in order, under the process environment', async () => {
    await write('.env', 'A=dot\nB=dot\n')
    await write('one.env', 'A=one\nC=one\n')
    await write('two.env', 'C=two\n')
    deepStrictEqual(await composeEnv(dir, [], {B: 'process'}), {A: 'dot', B: 'process'})
    deepStrictEqual(await composeEnv(dir, [join(dir, 'one.env'), join(dir, 'two.env')], {}), {A: 'one', C: 'two'})
  })

  it('composeEnv names a --env-file that does not exist', async () => {
    await rejects(composeEnv(dir, [join(dir, 'nope.env')], {}), (error: unknown) => {
      equal(error instanceof UsageError, true)
      equal((error as Error).message, `--env-file ${join(dir, 'nope.env')} not found`)
      return true
    })
  })

  describe('in loadProject', () => {
    beforeEach(async () => {
      await write('app/compose.yaml', 'services: {web: {image: "web:${TAG}", volumes: [./data:/data]}}')
      await write('app/extra.yaml', 'services: {web: {image: "web:extra-${TAG}"}}')
      await write('app/.env', 'TAG=app\n')
    })

    it('uses COMPOSE_FILE when no -f is given', async () => {
      const project = await loadProject({cwd: dir, env: {COMPOSE_FILE: 'app/compose.yaml:app/extra.yaml'}})
      deepStrictEqual(project.configFiles, [join(dir, 'app/compose.yaml'), join(dir, 'app/extra.yaml')])
      equal(project.services.web.image, 'web:extra-app')
    })

    it('takes COMPOSE_FILE from the .env of the current directory too, and -f over it', async () => {
      await write('.env', 'COMPOSE_FILE=app/extra.yaml\n')
      equal((await loadProject({cwd: dir, env: {}})).configFiles[0], join(dir, 'app/extra.yaml'))
      equal((await loadProject({cwd: dir, env: {}, files: ['app/compose.yaml']})).configFiles[0], join(dir, 'app/compose.yaml'))
    })

    it('--project-directory is the base of binds, .env and the project name, and where default files are found', async () => {
      await write('other/.env', 'TAG=other\n')
      const project = await loadProject({cwd: dir, env: {}, files: ['app/compose.yaml'], projectDirectory: 'other'})
      equal(project.directory, join(dir, 'other'))
      equal(project.name, 'other')
      equal(project.services.web.image, 'web:other')
      deepStrictEqual(project.services.web.mounts.map((m) => m.source), [join(dir, 'other/data')])
      equal((await loadProject({cwd: dir, env: {}, projectDirectory: 'app'})).configFiles[0], join(dir, 'app/compose.yaml'))
    })

    it('--env-file replaces the project\'s .env for interpolation', async () => {
      await write('alt.env', 'TAG=alt\n')
      const project = await loadProject({cwd: dir, env: {}, files: ['app/compose.yaml'], envFiles: ['alt.env']})
      equal(project.services.web.image, 'web:alt')
    })
  })
})
