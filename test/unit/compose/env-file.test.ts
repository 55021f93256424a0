// A service's env_file: read into its environment as `docker-compose config` shows it (the
// fixture cases in test/fixtures/compose-cases/env-* check the same against real Compose).
import {deepStrictEqual, equal, rejects} from 'node:assert/strict'
import {mkdir, mkdtemp, realpath, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {loadProject} from '../../../src/config/compose/load-project.js'
import {ConfigError} from '../../../src/errors.js'
import {createResolver} from '../../../src/plan/references.js'
import {recordingLogger} from '../../../src/testing/index.js'

describe('env_file', () => {
  let dir: string
  beforeEach(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'backupbot-envfile-')))
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })
  const write = (name: string, text: string) => writeFile(join(dir, name), text)

  it('reads a single path into the environment, environment: winning over it', async () => {
    await write('db.env', 'MYSQL_PASSWORD=from-file\nMYSQL_USER=app\n')
    await write('compose.yaml', 'services: {db: {image: mysql, env_file: db.env, environment: {MYSQL_USER: root}}}')
    const project = await loadProject({cwd: dir, env: {}})
    deepStrictEqual(project.services.db.environment, {MYSQL_PASSWORD: 'from-file', MYSQL_USER: 'root'})
    deepStrictEqual(project.services.db.definition.environment, {MYSQL_PASSWORD: 'from-file', MYSQL_USER: 'root'})
  })

  it('reads a list in order, later files winning, paths relative to the project directory', async () => {
    await mkdir(join(dir, 'env'))
    await write('env/a.env', 'A=1\nSHARED=a\n')
    await write('env/b.env', 'SHARED=b\n')
    await write('compose.yaml', 'services: {db: {image: mysql, env_file: [env/a.env, env/b.env]}}')
    const project = await loadProject({cwd: join(dir, 'env'), files: ['../compose.yaml'], env: {}})
    deepStrictEqual(project.services.db.environment, {A: '1', SHARED: 'b'})
  })

  it('concatenates the env_file of several -f files, a string and a list alike (as Compose v1 merges them)', async () => {
    await write('a.env', 'A=1\nB=a\n')
    await write('c.env', 'B=c\n')
    await write('compose.yaml', 'services: {db: {image: mysql, env_file: [a.env]}}')
    await write('override.yaml', 'services: {db: {env_file: c.env}}')
    const project = await loadProject({cwd: dir, files: ['compose.yaml', 'override.yaml'], env: {}})
    deepStrictEqual(project.services.db.environment, {A: '1', B: 'c'})
  })

  // The long form is Compose >= 2.24 (compose-spec: `env_file: [{path: ..., required: false}]`);
  // Compose v1 rejects it, so there is no real v1 output to compare with.
  it('skips a missing optional file of the long form with a debug message', async () => {
    await write('base.env', 'A=1\n')
    await write('compose.yaml', 'services: {db: {image: mysql, env_file: [{path: base.env}, {path: local.env, required: false}]}}')
    const log = recordingLogger()
    const project = await loadProject({cwd: dir, env: {}, log})
    deepStrictEqual(project.services.db.environment, {A: '1'})
    deepStrictEqual(log.lines, [`debug: services.db.env_file: optional env file ${join(dir, 'local.env')} is missing, skipped`])
  })

  it('reads an optional file of the long form that exists', async () => {
    await write('local.env', 'A=2\n')
    await write('compose.yaml', 'services: {db: {image: mysql, env_file: [{path: local.env, required: false}]}}')
    deepStrictEqual((await loadProject({cwd: dir, env: {}})).services.db.environment, {A: '2'})
  })

  it('names the compose file, services.<name>.env_file and the missing path when a required file is missing', async () => {
    await write('compose.yaml', 'services: {db: {image: mysql}}')
    await write('override.yaml', 'services: {db: {env_file: [{path: missing.env, required: true}]}}')
    await rejects(loadProject({cwd: dir, files: ['compose.yaml', 'override.yaml'], env: {}}), (error: unknown) => {
      equal(error instanceof ConfigError, true)
      equal((error as Error).message, `${join(dir, 'override.yaml')}: services.db.env_file: env file not found: ${join(dir, 'missing.env')}`)
      return true
    })
  })

  it('rejects an entry that is neither a path nor {path, required}, naming its key', async () => {
    await write('compose.yaml', 'services: {db: {image: mysql, env_file: [{file: x.env}]}}')
    await rejects(loadProject({cwd: dir, env: {}}), /compose\.yaml: services\.db\.env_file\[0\]: an env_file entry must be a path/)
    await write('compose.yaml', 'services: {db: {image: mysql, env_file: [{path: x.env, required: "no"}]}}')
    await rejects(loadProject({cwd: dir, env: {}}), /services\.db\.env_file\[0\]\.required: required: must be true or false/)
  })

  it('resolves a key reference such as db.environment.MYSQL_PASSWORD from an env_file, without an engine', async () => {
    await write('db.env', 'MYSQL_PASSWORD=s3cret\n')
    await write('compose.yaml', 'services: {db: {image: mysql, env_file: db.env}}')
    const resolve = createResolver(await loadProject({cwd: dir, env: {}}), async () => {
      throw new Error('the engine must not be asked')
    })
    equal(await resolve('db.environment.MYSQL_PASSWORD'), 's3cret')
  })
})
