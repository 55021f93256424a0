// Every compose case must resolve to what docker-compose v1.29 produced (expected.json); where
// docker-compose is installed (CI installs it), the stored expectation is checked against it live.
import {deepStrictEqual, equal, ok, rejects} from 'node:assert/strict'
import {join} from 'node:path'

import {ConfigError} from '../../../src/errors.js'
import {loadProject} from '../../../src/config/compose/load-project.js'
import {
  CASE_DIR,
  caseNames,
  casesDir,
  expectedFor,
  hasDockerCompose,
  runComposeConfig,
  servicesFromComposeConfig,
  servicesFromModel,
  storedComposeConfig,
} from '../../support/compose-cases.js'

const compose = hasDockerCompose()

describe('the compose cases', () => {
  for (const name of caseNames) {
    const dir = join(casesDir, name)
    const expected = expectedFor(name)

    if ('services' in expected) {
      it(`${name}: backupbot resolves it like docker-compose v1.29`, async () => {
        const project = await loadProject({cwd: dir, env: {}})
        deepStrictEqual(servicesFromModel(project), expected.services)
      })

      it(`${name}: the expectation is the stored docker-compose config output`, () => {
        deepStrictEqual(servicesFromComposeConfig(storedComposeConfig(name).stdout!, dir), expected.services)
      })

      if (compose) {
        it(`${name}: docker-compose config still resolves it so`, () => {
          const result = runComposeConfig(name)
          equal(result.status, 0, result.stderr)
          deepStrictEqual(servicesFromComposeConfig(result.stdout, dir), expected.services)
        })
      }
    } else {
      const {error} = expected
      it(`${name}: backupbot refuses it, naming ${error.file} and ${error.path}`, async () => {
        await rejects(loadProject({cwd: dir, env: {}}), (e: unknown) => {
          ok(e instanceof ConfigError, String(e))
          equal(e.file, join(dir, error.file))
          equal(e.path, error.path)
          for (const mention of error.mentions) ok(e.message.includes(mention.replaceAll(CASE_DIR, dir)), `${e.message} lacks ${mention}`)
          return true
        })
      })

      it(`${name}: docker-compose refused it too (stored output)`, () => {
        ok(storedComposeConfig(name).stderr!.includes(error.docker_compose_says))
      })

      if (compose) {
        it(`${name}: docker-compose config still refuses it`, () => {
          const result = runComposeConfig(name)
          equal(result.status, 1)
          ok(result.stderr.includes(error.docker_compose_says), result.stderr)
        })
      }
    }
  }
})
