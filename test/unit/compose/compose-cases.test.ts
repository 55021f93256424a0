// Every compose case (test/fixtures/compose-cases: extends, env_file, profiles, COMPOSE_FILE)
// must load to what real docker-compose v1.29.2 showed (expected.json, derived from its stored
// output), and, where docker-compose is on PATH as in CI, that output must still be what it shows.
// Not covered here because Compose v1 cannot show them: env_file's long form {path, required}
// (Compose >= 2.24, rejected by v1), `--profile '*'` (Compose v2; v1 takes `*` as a profile
// name) and several --env-file (v2; v1 takes the last). Unit tests cover those
// (env-file.test.ts, profiles.test.ts, compose-env.test.ts) against the Compose spec; include
// has its own cases (include.test.ts).
import {deepStrictEqual, equal, ok, rejects} from 'node:assert/strict'
import {join} from 'node:path'

import {loadProject} from '../../../src/config/compose/load-project.js'
import {ConfigError} from '../../../src/errors.js'
import {
  CASE,
  caseExpected,
  caseNames,
  casesDir,
  expectedFromCompose,
  expectedFromModel,
  hasDockerCompose,
  loaderOptions,
  runComposeConfig,
  storedComposeConfig,
} from '../../support/compose-cases.js'
import {requireCapability} from '../../support/requires.js'

describe('the compose cases', () => {
  it('holds them all: 8 extends, 6 env_file and COMPOSE_FILE, 3 profiles', () => {
    equal(caseNames.filter((name) => name.startsWith('extends-')).length, 8)
    equal(caseNames.filter((name) => /^(env|compose-file)-/.test(name)).length, 6)
    equal(caseNames.filter((name) => name.startsWith('profiles-')).length, 3)
  })

  for (const name of caseNames) {
    const dir = join(casesDir, name)
    const expected = caseExpected(name)
    const {error} = expected

    if (error) {
      it(`${name}: backupbot refuses it, naming ${error.file} and ${error.key}`, async () => {
        await rejects(loadProject(loaderOptions(name)), (e: unknown) => {
          ok(e instanceof ConfigError, String(e))
          equal(e.file, join(dir, error.file))
          equal(e.path, error.key)
          for (const mention of error.mentions) ok(e.message.includes(mention.replaceAll(CASE, dir)), `${e.message} lacks ${mention}`)
          return true
        })
      })

      it(`${name}: docker-compose refused it too (stored output)`, () => {
        const stored = storedComposeConfig(name)
        equal(stored.refused, true)
        ok(stored.text.includes(error.docker_compose_says), stored.text)
      })
    } else {
      it(`${name}: backupbot loads it as docker-compose showed it`, async () => {
        deepStrictEqual(expectedFromModel(name, await loadProject(loaderOptions(name))), expected)
      })

      it(`${name}: the expectation is the stored docker-compose config output`, () => {
        const stored = storedComposeConfig(name)
        equal(stored.refused, false)
        deepStrictEqual(expectedFromCompose(name, stored.text), expected)
      })
    }
  }

  describe('against the real docker-compose', function () {
    before(function () {
      // CI installs docker-compose (scripts/test-env.sh) and fails here without it; a developer's
      // machine without it checks against the stored output only.
      requireCapability(this, hasDockerCompose(), 'docker-compose is not on PATH')
    })

    for (const name of caseNames) {
      it(`${name}: docker-compose config still prints the stored output`, () => {
        const {status, stdout, stderr} = runComposeConfig(name)
        const stored = storedComposeConfig(name)
        equal(status, stored.refused ? 1 : 0, stderr)
        equal(stored.refused ? stderr : stdout, stored.text)
      })
    }
  })
})
