// The env_file / profiles / COMPOSE_FILE cases (test/fixtures/compose-cases/{env,profiles,compose-file}-*):
// backupbot's loader must see what real docker-compose v1.29.2 shows, and — when docker-compose
// is on PATH, as in CI — the stored expectations must still be what it shows.
// Not covered here because Compose v1 cannot show them: env_file's long form {path, required}
// (Compose >= 2.24, rejected by v1), `--profile '*'` (Compose v2; v1 takes `*` as a profile
// name) and several --env-file (v2; v1 takes the last). Unit tests cover those
// (env-file.test.ts, profiles.test.ts, compose-env.test.ts) against the Compose spec.
import {deepStrictEqual, equal, rejects} from 'node:assert/strict'
import {join} from 'node:path'

import {loadProject} from '../../../src/config/compose/load-project.js'
import {ConfigError} from '../../../src/errors.js'
import {
  caseExpected,
  casesDir,
  envCases,
  expectedFromCompose,
  expectedFromModel,
  hasDockerCompose,
  loaderOptions,
  runComposeConfig,
  storedComposeConfig,
} from '../../support/compose-env-cases.js'
import {requireCapability} from '../../support/requires.js'

describe('compose cases: env_file, profiles, COMPOSE_FILE', () => {
  it('holds the cases', () => {
    equal(envCases.length, 9)
  })

  for (const name of envCases) {
    it(`${name}: the loader sees what docker-compose config shows`, async () => {
      const expected = caseExpected(name)
      if (expected.error) {
        const {file, key, missing} = expected.error
        await rejects(loadProject(loaderOptions(name)), (error: unknown) => {
          equal(error instanceof ConfigError, true)
          equal((error as ConfigError).file, join(casesDir, name, file))
          equal((error as ConfigError).path, key)
          equal((error as Error).message.includes(join(casesDir, name, missing)), true, (error as Error).message)
          return true
        })
        return
      }
      deepStrictEqual(expectedFromModel(name, await loadProject(loaderOptions(name))), expected)
    })
  }

  describe('against the real docker-compose', function () {
    before(function () {
      // CI installs docker-compose (scripts/test-env.sh) and fails here without it; a developer's
      // machine without it checks against the stored output only.
      requireCapability(this, hasDockerCompose(), 'docker-compose is not on PATH')
    })

    for (const name of envCases) {
      it(`${name}: docker-compose config still prints compose-config.yaml, which gives expected.json`, () => {
        const expected = caseExpected(name)
        const {status, stdout, stderr} = runComposeConfig(name)
        if (expected.error) {
          equal(status, 1)
          equal(stderr.trim(), `Couldn't find env file: <case>/${expected.error.missing}`)
          equal(storedComposeConfig(name).includes(stderr.trim()), true)
          return
        }
        equal(status, 0, stderr)
        equal(stdout, storedComposeConfig(name))
        deepStrictEqual(expectedFromCompose(name, stdout), expected)
      })
    }
  })
})
