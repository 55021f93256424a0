// What the docker-compose cases (compose-cases.test.ts) cannot show: the choices where Compose
// v1 and the Compose docs differ, the invalid forms, and where errors point.
import {deepStrictEqual, equal, ok, rejects} from 'node:assert/strict'
import {join} from 'node:path'

import {ConfigError} from '../../../src/errors.js'
import {loadProject} from '../../../src/config/compose/load-project.js'
import {useTempDir, writeUnder} from '../../support/temp-dir.js'

describe('extends', () => {
  const tempDir = useTempDir()
  const write = (name: string, text: string) => writeUnder(tempDir(), name, text)
  const load = () => loadProject({cwd: tempDir(), env: {}})

  it('does not inherit depends_on, links or volumes_from (the Compose docs: always declared locally)', async () => {
    // docker-compose v1 refuses to extend such a service; Compose v2 accepts it. backupbot
    // accepts it too and, as the docs say, keeps only the local dependencies.
    await write('compose.yaml', 'services:\n  db: {image: db}\n  base: {image: b, depends_on: [db], links: [db], volumes_from: [db]}\n  web: {extends: base, links: [db]}\n')
    const web = (await load()).services.web.definition
    deepStrictEqual(web, {image: 'b', links: ['db']})
  })

  it('resolves extends.file of an extended file against that file, and interpolates it with the project environment', async () => {
    await write('.env', 'TAG=7\n')
    await write('compose.yaml', 'services:\n  web: {extends: {file: one/a.yaml, service: a}}\n')
    await write('one/a.yaml', 'services:\n  a: {extends: {file: ../two/b.yaml, service: b}, volumes: ["./a:/a"]}\n')
    await write('two/b.yaml', 'services:\n  b: {image: "b:${TAG}", volumes: ["./b:/b", "~/c:/c"]}\n')
    const web = (await load()).services.web
    equal(web.image, 'b:7')
    deepStrictEqual(
      web.mounts.map((m) => m.source),
      [join(tempDir(), 'two', 'b'), join(process.env.HOME ?? '', 'c'), join(tempDir(), 'one', 'a')],
    )
  })

  it('names the file and key of an inherited volume that is wrong', async () => {
    await write('compose.yaml', 'services:\n  web: {extends: {file: base.yaml, service: base}}\n')
    await write('base.yaml', 'services:\n  base: {image: b, volumes: ["./ok:/ok", "ghost:/g"]}\n')
    await rejects(load(), (e: unknown) => {
      ok(e instanceof ConfigError, String(e))
      equal(e.file, join(tempDir(), 'base.yaml'))
      equal(e.path, 'services.base.volumes[1]')
      return true
    })
  })

  it('refuses a service that extends itself', async () => {
    await write('compose.yaml', 'services:\n  web: {image: x, extends: web}\n')
    await rejects(load(), (e: unknown) => e instanceof ConfigError && e.path === 'services.web.extends' && e.message.includes('extends cycle'))
  })

  it('refuses an extends that is neither a name nor a mapping with service', async () => {
    for (const value of ['[a]', '{file: x.yaml}', '{service: a, file: 3}']) {
      await write('compose.yaml', `services:\n  a: {image: x}\n  web: {extends: ${value}}\n`)
      await rejects(load(), (e: unknown) => e instanceof ConfigError && e.path.startsWith('services.web.extends'), value)
    }
  })

  it('resolves an extends inside an included project against that project', async () => {
    await write('app/compose.yaml', 'include: [../lib/compose.yaml]\nservices:\n  web: {extends: worker, image: web}\n')
    await write('lib/compose.yaml', 'services:\n  base: {image: base, volumes: ["./data:/data"]}\n  worker: {extends: base}\n')
    const project = await loadProject({cwd: join(tempDir(), 'app'), env: {}})
    // worker is resolved inside lib/ (./data there); web then extends the included worker.
    equal(project.services.worker.image, 'base')
    deepStrictEqual(project.services.web.mounts.map((m) => m.source), [join(tempDir(), 'lib', 'data')])
    equal(project.services.web.image, 'web')
  })
})
