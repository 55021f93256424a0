import {deepStrictEqual, equal, rejects} from 'node:assert/strict'
import {mkdir, mkdtemp, realpath, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {basename, join} from 'node:path'

import {ConfigError, UsageError} from '../../../src/errors.js'
import {composeFileCandidates, loadProject, normaliseProjectName} from '../../../src/config/compose/load-project.js'

describe('loadProject', () => {
  let root: string
  let dir: string
  beforeEach(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'backupbot-compose-')))
    dir = join(root, 'My_Shop')
    await mkdir(dir)
  })
  afterEach(async () => {
    await rm(root, {recursive: true, force: true})
  })

  const write = (name: string, text: string) => writeFile(join(dir, name), text)

  describe('finding the compose file', () => {
    it('uses the first default name found in the directory', async () => {
      await write('docker-compose.yml', 'services: {old: {image: a}}')
      await write('compose.yaml', 'services: {new: {image: b}}')
      const project = await loadProject({cwd: dir, env: {}})
      deepStrictEqual(project.configFiles, [join(dir, 'compose.yaml')])
      deepStrictEqual(Object.keys(project.services), ['new'])
      equal(project.warnings.some((w) => w.includes('several compose files')), true)
    })

    it('merges an override file over the default file, as docker compose does', async () => {
      await write('docker-compose.yml', 'services: {web: {image: a}}')
      await write('docker-compose.override.yml', 'services: {web: {image: b}}')
      const project = await loadProject({cwd: dir, env: {}})
      deepStrictEqual(project.configFiles, [join(dir, 'docker-compose.yml'), join(dir, 'docker-compose.override.yml')])
      equal(project.services.web.image, 'b')
    })

    it('says which names it tried and to pass --compose when there is no compose file', async () => {
      await rejects(loadProject({cwd: dir, env: {}}), (error: unknown) => {
        equal(error instanceof UsageError, true)
        const e = error as UsageError
        for (const name of composeFileCandidates) equal(e.message.includes(name), true, name)
        equal(e.message.includes('--compose'), true)
        return true
      })
    })

    it('names a compose file that does not exist', async () => {
      await rejects(loadProject({cwd: dir, env: {}, files: ['nope.yaml']}), (error: unknown) => {
        equal(error instanceof UsageError && !(error instanceof ConfigError), true)
        equal((error as Error).message.includes(join(dir, 'nope.yaml')), true)
        return true
      })
    })
  })

  describe('merging several files', () => {
    it('deep-merges mappings, merges volumes by target and environment by key, and concatenates other lists', async () => {
      await write(
        'base.yaml',
        `
services:
  web:
    image: shop:1
    command: [serve, --port, "80"]
    ports: ["80:80"]
    labels: {a: "1", b: "2"}
    environment:
      - A=base
      - B=base
    volumes:
      - ./html:/usr/share/html
      - data:/data
      - /cache
volumes:
  data:
`,
      )
      await mkdir(join(dir, 'env'))
      await writeFile(
        join(dir, 'env', 'prod.yaml'),
        `
services:
  web:
    image: shop:2
    command: [serve, --port, "81"]
    ports: ["443:443"]
    labels: {b: "3"}
    environment:
      B: prod
      C: 7
    volumes:
      - ./public:/usr/share/html:ro
      - logs:/logs
  worker:
    image: worker
volumes:
  data:
    name: shop-data
  logs:
`,
      )
      const project = await loadProject({cwd: dir, env: {}, files: ['base.yaml', 'env/prod.yaml']})
      equal(project.directory, dir)
      const web = project.services.web
      equal(web.image, 'shop:2')
      deepStrictEqual(web.environment, {A: 'base', B: 'prod', C: '7'})
      deepStrictEqual(web.definition.command, ['serve', '--port', '81'])
      deepStrictEqual(web.definition.ports, ['80:80', '443:443'])
      deepStrictEqual(web.definition.labels, {a: '1', b: '3'})
      // The replaced entry keeps its place; paths in the second file resolve against the project directory.
      deepStrictEqual(
        web.mounts.map((m) => [m.type, m.source, m.target, m.readOnly]),
        [
          ['bind', join(dir, 'public'), '/usr/share/html', true],
          ['volume', 'data', '/data', false],
          ['anonymous', undefined, '/cache', false],
          ['volume', 'logs', '/logs', false],
        ],
      )
      deepStrictEqual(project.volumes, {data: {name: 'shop-data', external: false}, logs: {name: 'my_shop_logs', external: false}})
      deepStrictEqual(Object.keys(project.services), ['web', 'worker'])
    })

    it('names the file and the entry of an undeclared volume that came from a later file', async () => {
      await write('a.yaml', 'services: {web: {image: x, volumes: ["./a:/a"]}}')
      await write('b.yaml', 'services: {web: {volumes: ["./b:/b", "ghost:/g"]}}')
      await rejects(loadProject({cwd: dir, env: {}, files: ['a.yaml', 'b.yaml']}), (error: unknown) => {
        const e = error as ConfigError
        equal(e instanceof ConfigError, true)
        equal(e.file, join(dir, 'b.yaml'))
        equal(e.path, 'services.web.volumes[1]')
        equal(e.message.includes('"ghost"'), true)
        return true
      })
    })
  })

  describe('the project name', () => {
    const load = async (projectName: string | undefined, env: Record<string, string>, dotenv?: string) => {
      await write('compose.yaml', 'name: From-Name\nservices: {web: {image: x, volumes: ["v:/v"]}}\nvolumes: {v: {}}')
      if (dotenv !== undefined) await write('.env', dotenv)
      return loadProject({cwd: dir, env, projectName})
    }

    it('prefers the option over everything else', async () => {
      equal((await load('Opt', {COMPOSE_PROJECT_NAME: 'env'}, 'COMPOSE_PROJECT_NAME=dotenv')).name, 'opt')
    })

    it('then takes COMPOSE_PROJECT_NAME from the process, then from .env', async () => {
      equal((await load(undefined, {COMPOSE_PROJECT_NAME: 'env'}, 'COMPOSE_PROJECT_NAME=dotenv')).name, 'env')
      equal((await load(undefined, {}, 'COMPOSE_PROJECT_NAME=dotenv')).name, 'dotenv')
    })

    it('then the top-level name:, which also prefixes the volumes', async () => {
      const project = await load(undefined, {})
      equal(project.name, 'from-name')
      equal(project.volumes.v.name, 'from-name_v')
    })

    it('falls back to the directory name, normalised as Compose does', async () => {
      await write('compose.yaml', 'services: {web: {image: x}}')
      equal((await loadProject({cwd: dir, env: {}})).name, 'my_shop')
      equal(basename(dir), 'My_Shop')
    })

    it('is normalised to lower-case a-z 0-9 - _ and rejected when nothing is left', async () => {
      equal(normaliseProjectName('My App.v2!'), 'myappv2')
      equal(normaliseProjectName('_-x'), 'x')
      await rejects(load('!!!', {}), UsageError)
    })
  })

  describe('building the services', () => {
    it('interpolates from .env and the process environment, and warns once per unset variable', async () => {
      await write('.env', 'TAG=from-dotenv\nDATA=./data\n')
      await write(
        'compose.yaml',
        'services:\n  web:\n    image: "shop:${TAG}"\n    container_name: ${NAME:-shop-web}\n    labels: ["$MISSING", "${MISSING}"]\n    volumes: ["${DATA}:/data"]\n',
      )
      const project = await loadProject({cwd: dir, env: {DATA: './other', UNRELATED: undefined}})
      const web = project.services.web
      equal(web.image, 'shop:from-dotenv')
      equal(web.containerName, 'shop-web')
      equal(web.mounts[0].source, join(dir, 'other'))
      deepStrictEqual(project.warnings, ['variable MISSING is not set, defaulting to a blank string'])
    })

    it('takes `- KEY` without a value from the environment, and leaves it out when unset', async () => {
      await write('compose.yaml', 'services:\n  db:\n    image: pg\n    environment: [PGPASSWORD, UNSET, "A=1=2", "EMPTY="]\n  app:\n    image: app\n    environment: {PORT: 8000, DEBUG: false, TOKEN: null}\n')
      const project = await loadProject({cwd: dir, env: {PGPASSWORD: 's3cret', TOKEN: 't'}})
      deepStrictEqual(project.services.db.environment, {PGPASSWORD: 's3cret', A: '1=2', EMPTY: ''})
      deepStrictEqual(project.services.app.environment, {PORT: '8000', DEBUG: 'false', TOKEN: 't'})
      deepStrictEqual(project.services.app.definition.environment, project.services.app.environment)
    })

    it('keeps the merged, interpolated definition and leaves out what the service does not set', async () => {
      await write('compose.yaml', 'x-common: &common {restart: always}\nservices:\n  web:\n    <<: *common\n    build: .\n    healthcheck: {test: [CMD, "true"], interval: 2024-01-01}\n')
      const project = await loadProject({cwd: dir, env: {}})
      const web = project.services.web
      deepStrictEqual(web, {
        name: 'web',
        environment: {},
        mounts: [],
        definition: {restart: 'always', build: '.', healthcheck: {test: ['CMD', 'true'], interval: '2024-01-01'}},
      })
    })
  })

  describe('reporting errors', () => {
    it('reports YAML syntax errors with the file and line', async () => {
      await write('compose.yaml', 'services:\n  web:\n    image: x\n   bad: [\n')
      await rejects(loadProject({cwd: dir, env: {}}), (error: unknown) => {
        const e = error as ConfigError
        equal(e instanceof ConfigError, true)
        equal(e.file, join(dir, 'compose.yaml'))
        equal(/line 4/.test(e.message), true, e.message)
        return true
      })
    })

    it('rejects a file without services, or with services that are not a mapping', async () => {
      await write('compose.yaml', 'volumes: {a: {}}\n')
      await rejects(loadProject({cwd: dir, env: {}}), (e: unknown) => e instanceof ConfigError && e.path === 'services')
      await write('compose.yaml', 'services: [web]\n')
      await rejects(loadProject({cwd: dir, env: {}}), (e: unknown) => e instanceof ConfigError && e.path === 'services')
      await write('compose.yaml', '')
      await rejects(loadProject({cwd: dir, env: {}}), ConfigError)
    })

    it('reports a required variable as a ConfigError at its key path', async () => {
      await write('compose.yaml', 'services:\n  db:\n    image: ${IMAGE:?choose an image}\n')
      await rejects(loadProject({cwd: dir, env: {}}), (error: unknown) => {
        const e = error as ConfigError
        equal(e.path, 'services.db.image')
        equal(e.message.includes('IMAGE'), true)
        equal(e.message.includes('choose an image'), true)
        return true
      })
    })

    it('rejects a volumes entry of a service that is not a list', async () => {
      await write('compose.yaml', 'services:\n  db:\n    volumes: {a: b}\n')
      await rejects(loadProject({cwd: dir, env: {}}), (e: unknown) => e instanceof ConfigError && e.path === 'services.db.volumes')
    })
  })
})
