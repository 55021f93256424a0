// Compose profiles: which services are in the project, which are left out and why.
import {deepStrictEqual, equal, rejects} from 'node:assert/strict'
import {mkdtemp, realpath, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {loadProject} from '../../../src/config/compose/load-project.js'
import {activeProfiles, findLeftOut, isEnabled, selectByProfiles} from '../../../src/config/compose/profiles.js'

describe('profiles', () => {
  describe('activeProfiles', () => {
    it('takes --profile over COMPOSE_PROFILES, which is a comma list', () => {
      deepStrictEqual(activeProfiles(['a'], {COMPOSE_PROFILES: 'b'}), ['a'])
      deepStrictEqual(activeProfiles([], {COMPOSE_PROFILES: 'b, c,,'}), ['b', 'c'])
      deepStrictEqual(activeProfiles(undefined, {}), [])
    })
  })

  describe('isEnabled', () => {
    it('keeps a service without profiles, or with an active one', () => {
      equal(isEnabled([], [], false), true)
      equal(isEnabled(['debug', 'tools'], ['tools'], false), true)
      equal(isEnabled(['debug'], ['tools'], false), false)
    })

    it('keeps every service when * is active, as Compose v2 does', () => {
      equal(isEnabled(['debug'], ['*'], false), true)
    })

    it('keeps a service named on the command line whatever its profiles, as Compose does', () => {
      equal(isEnabled(['debug'], [], true), true)
    })
  })

  it('selectByProfiles splits the services and remembers the left-out ones\' profiles and container names', () => {
    const services = {web: {image: 'a'}, dbg: {profiles: ['debug'], container_name: 'dbg-1'}, tool: {profiles: ['tools']}}
    deepStrictEqual(selectByProfiles(services, ['tools'], []), {
      enabled: ['web', 'tool'],
      leftOut: {dbg: {profiles: ['debug'], containerName: 'dbg-1'}},
    })
    deepStrictEqual(selectByProfiles(services, [], ['dbg']).enabled, ['web', 'dbg'])
  })

  it('findLeftOut matches a config key by service or container name', () => {
    const leftOut = {dbg: {profiles: ['debug'], containerName: 'dbg-1'}}
    deepStrictEqual(findLeftOut(leftOut, 'dbg-1'), {name: 'dbg', profiles: ['debug']})
    equal(findLeftOut(leftOut, 'web'), undefined)
    equal(findLeftOut(undefined, 'dbg'), undefined)
  })

  describe('in loadProject', () => {
    let dir: string
    beforeEach(async () => {
      dir = await realpath(await mkdtemp(join(tmpdir(), 'backupbot-profiles-')))
      await writeFile(join(dir, 'compose.yaml'), 'services: {web: {image: a}, dbg: {image: b, profiles: [debug]}}')
    })
    afterEach(async () => {
      await rm(dir, {recursive: true, force: true})
    })

    it('leaves out a service whose profiles are inactive, and says so in the model', async () => {
      const project = await loadProject({cwd: dir, env: {}})
      deepStrictEqual(Object.keys(project.services), ['web'])
      deepStrictEqual(project.leftOut, {dbg: {profiles: ['debug']}})
    })

    it('takes COMPOSE_PROFILES from the process environment or the project\'s .env', async () => {
      equal((await loadProject({cwd: dir, env: {COMPOSE_PROFILES: 'debug'}})).leftOut, undefined)
      await writeFile(join(dir, '.env'), 'COMPOSE_PROFILES=debug\n')
      deepStrictEqual(Object.keys((await loadProject({cwd: dir, env: {}})).services), ['web', 'dbg'])
    })

    it('enables a service named on the command line', async () => {
      deepStrictEqual(Object.keys((await loadProject({cwd: dir, env: {}, services: ['dbg']})).services), ['web', 'dbg'])
    })

    it('names the file and key of a profiles: that is not a list of names', async () => {
      await writeFile(join(dir, 'compose.yaml'), 'services: {dbg: {image: b, profiles: debug}}')
      await rejects(loadProject({cwd: dir, env: {}}), /compose\.yaml: services\.dbg\.profiles: profiles: must be a list of profile names/)
    })
  })
})
