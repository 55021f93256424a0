// `include:` cases taken from the Compose specification ("Include", compose-spec 14-include.md).
// Compose v1 cannot check them, so each expectation is worked out from the spec in the comments.
import {deepStrictEqual, equal, ok, rejects} from 'node:assert/strict'
import {basename, join} from 'node:path'

import {ConfigError} from '../../../src/errors.js'
import {loadProject} from '../../../src/config/compose/load-project.js'
import {casesDir, expectedFromModel} from '../../support/compose-cases.js'
import {useTempDir, writeUnder} from '../../support/temp-dir.js'

const load = (name: string, env: Record<string, string> = {}) => loadProject({cwd: join(casesDir, name, 'app'), env})

describe('include', () => {
  it('short syntax: each file is its own project, with its own directory and .env, under the local environment', async () => {
    const project = await load('include-short')
    // (Host directories below are relative to include-short/.) "Relative paths in Compose files being referred by include are resolved relative to their
    // own Compose file path": ./data in commons/ is commons/data, ./logs is another_domain/logs.
    // "Variables are interpolated using values set in the optional .env file in same folder, and
    // is overridden by the local project's environment": SHARED_TAG is set by app/.env too, so
    // app wins; COMMONS_ONLY comes only from commons/.env. ANOTHER_TAG is unset: its default.
    // "all resources definitions are copied into the current Compose application model": the
    // volume commons-data becomes a volume of the project `app`, named app_commons-data.
    deepStrictEqual(expectedFromModel('include-short', project).services, {
      commons: {
        image: 'commons:from-app',
        environment: {COMMONS_ONLY: 'commons-env'},
        labels: {},
        host_directories: ['./commons/data'],
        volumes: ['commons-data'],
      },
      'included-service': {image: 'another:default', environment: {}, labels: {}, host_directories: ['./another_domain/logs'], volumes: []},
      webapp: {image: 'webapp', environment: {}, labels: {}, host_directories: ['./app/app-data'], volumes: []},
    })
    deepStrictEqual(project.volumes, {'commons-data': {name: 'app_commons-data', external: false}})
    equal(project.name, 'app')
  })

  it('the process environment also wins over the included .env', async () => {
    const project = await load('include-short', {SHARED_TAG: 'from-shell', ANOTHER_TAG: '2'})
    equal(project.services.commons.image, 'commons:from-shell')
    equal(project.services['included-service'].image, 'another:2')
  })

  it('long syntax: project_directory is the base of relative paths, env_file replaces the .env', async () => {
    const dir = join(casesDir, 'include-long')
    const project = await load('include-long')
    // project_directory `..` (relative to the including project, app/) is include-long/, so
    // ./commons/data is include-long/commons/data; TAG comes from ../another/.env.
    equal(project.services.commons.image, 'commons:from-another')
    deepStrictEqual(
      project.services.commons.mounts.map((m) => m.source),
      [join(dir, 'commons', 'data')],
    )
  })

  it('path as a list is merged like -f; env_file as a list, later files win', async () => {
    const dir = join(casesDir, 'include-path-list')
    const project = await load('include-path-list')
    // "to a list of strings when multiple Compose files need to be merged together": the
    // override replaces image and the /data mount (same target); the sub-project's directory is
    // the first file's (commons/), so ./override is commons/override. TAG=two (two.env is
    // later), ONE only in one.env.
    const commons = project.services.commons
    equal(commons.image, 'commons:two')
    deepStrictEqual(commons.environment, {ONE: 'from-one'})
    deepStrictEqual(
      commons.mounts.map((m) => [m.source, m.target]),
      [
        [join(dir, 'commons', 'override'), '/data'],
        [join(dir, 'commons', 'conf'), '/conf'],
      ],
    )
  })

  it('applies recursively: an included file can include others, relative to itself', async () => {
    const dir = join(casesDir, 'include-nested')
    const project = await load('include-nested')
    deepStrictEqual(Object.keys(project.services).sort(), ['a', 'app', 'b'])
    deepStrictEqual(project.services.b.mounts[0].source, join(dir, 'a', 'b', 'b-data'))
    deepStrictEqual(project.services.a.mounts[0].source, join(dir, 'a', 'a-data'))
  })

  it('refuses a service defined both by the including file and by an include, naming both files', async () => {
    const dir = join(casesDir, 'include-conflict')
    // "Compose displays a warning if resource names conflict and doesn't try to merge them";
    // docker compose v2 refuses the project: so does backupbot, rather than guess which to back up.
    await rejects(load('include-conflict'), (e: unknown) => {
      ok(e instanceof ConfigError, String(e))
      equal(e.file, join(dir, 'app', 'compose.yaml'))
      equal(e.path, 'include[0]')
      ok(e.message.includes('services.web'), e.message)
      ok(e.message.includes(join(dir, 'app', 'compose.yaml')) && e.message.includes(join(dir, 'other', 'compose.yaml')), e.message)
      return true
    })
  })

  it('refuses an include cycle, naming the files', async () => {
    const dir = join(casesDir, 'include-cycle')
    await rejects(loadProject({cwd: join(dir, 'a'), env: {}}), (e: unknown) => {
      ok(e instanceof ConfigError, String(e))
      equal(e.file, join(dir, 'b', 'compose.yaml'))
      equal(e.path, 'include[0]')
      ok(e.message.includes(`include cycle: ${join(dir, 'a', 'compose.yaml')} includes ${join(dir, 'b', 'compose.yaml')} includes`), e.message)
      return true
    })
  })
})

describe('include errors and clashes', () => {
  const tempDir = useTempDir()
  const write = (name: string, text: string) => writeUnder(tempDir(), name, text)
  const rejection = (path: string, ...mentions: string[]) => (e: unknown) => {
    ok(e instanceof ConfigError, String(e))
    equal(e.file, join(tempDir(), 'compose.yaml'))
    equal(e.path, path)
    for (const mention of mentions) ok(e.message.includes(mention), `${e.message} lacks ${mention}`)
    return true
  }

  it('names the including file, the entry and the missing file', async () => {
    await write('compose.yaml', 'include: [lib/compose.yaml, nowhere.yaml]\nservices: {}\n')
    await write('lib/compose.yaml', 'services: {a: {image: a}}\n')
    await rejects(loadProject({cwd: tempDir(), env: {}}), rejection('include[1]', 'included file not found', join(tempDir(), 'nowhere.yaml')))
  })

  it('names a missing env_file', async () => {
    await write('compose.yaml', 'include: [{path: lib/compose.yaml, env_file: missing.env}]\nservices: {}\n')
    await write('lib/compose.yaml', 'services: {a: {image: a}}\n')
    await rejects(loadProject({cwd: tempDir(), env: {}}), rejection('include[0].env_file', join(tempDir(), 'missing.env')))
  })

  it('refuses a service defined by two includes, naming both files', async () => {
    await write('compose.yaml', 'include: [one/compose.yaml, two/compose.yaml]\nservices: {}\n')
    await write('one/compose.yaml', 'services: {db: {image: a}}\n')
    await write('two/compose.yaml', 'services: {db: {image: b}}\n')
    await rejects(loadProject({cwd: tempDir(), env: {}}), rejection('include[1]', 'services.db', join(tempDir(), 'one/compose.yaml'), join(tempDir(), 'two/compose.yaml')))
  })

  it('accepts a volume declared the same way twice, refuses one declared differently', async () => {
    await write('compose.yaml', 'include: [lib/compose.yaml]\nservices: {web: {image: w, volumes: ["data:/d"]}}\nvolumes: {data: {}}\n')
    await write('lib/compose.yaml', 'services: {db: {image: a, volumes: ["data:/var/lib"]}}\nvolumes: {data:}\n')
    const project = await loadProject({cwd: tempDir(), env: {}})
    deepStrictEqual(project.volumes, {data: {name: `${basename(tempDir()).toLowerCase()}_data`, external: false}})
    await write('lib/compose.yaml', 'services: {db: {image: a}}\nvolumes: {data: {external: true}}\n')
    await rejects(loadProject({cwd: tempDir(), env: {}}), rejection('include[0]', 'volumes.data'))
  })

  it('refuses include entries of the wrong shape', async () => {
    for (const [value, path] of [
      ['lib.yaml', 'include'],
      ['[3]', 'include[0]'],
      ['[{project_directory: x}]', 'include[0].path'],
      ['[{path: lib/compose.yaml, project_directory: 3}]', 'include[0].project_directory'],
    ]) {
      await write('compose.yaml', `include: ${value}\nservices: {}\n`)
      await write('lib/compose.yaml', 'services: {a: {image: a}}\n')
      await rejects(loadProject({cwd: tempDir(), env: {}}), rejection(path), value)
    }
  })
})
