// `backupbot inspect` with compose profiles, env_file, --project-directory and --env-file: what
// the active profiles leave out is reported, in text and under $left_out in --json; `backup`
// does not plan it.
import {expect} from 'chai'
import path from 'node:path'

import {bindProject, jsonOf, type Sandbox, useSandbox} from '../support/run-command.js'

const COMPOSE = `services:
  app:
    image: local/busybox:test
    volumes: [./data:/data]
  debug:
    image: local/busybox:test
    profiles: [debug, tools]
    volumes: [./debug:/debug]
`

describe('backupbot inspect with profiles', function () {
  let sb: Sandbox
  useSandbox((created) => (sb = created))

  it('reports the services that the active profiles leave out under $left_out', async function () {
    const dir = await bindProject(sb, {'compose.yaml': COMPOSE})
    const outcome = await sb.run(['inspect', '--json'], dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    const doc = jsonOf(outcome)
    expect(Object.keys(doc)).to.deep.equal(['app', '$left_out'])
    expect(doc.$left_out).to.deep.equal({debug: {profiles: ['debug', 'tools']}})
  })

  it('says why in the text listing', async function () {
    const dir = await bindProject(sb, {'compose.yaml': COMPOSE})
    const outcome = await sb.run(['inspect'], dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect(outcome.stdout).to.contain('  debug  [left out: profiles debug, tools not active]')
  })

  it('takes the service in with --profile or COMPOSE_PROFILES', async function () {
    const dir = await bindProject(sb, {'compose.yaml': COMPOSE})
    for (const [args, env] of [[['--profile', 'tools'], {}], [[], {COMPOSE_PROFILES: 'x,debug'}]] as const) {
      const doc = jsonOf(await sb.run(['inspect', '--json', ...args], dir, env))
      expect(Object.keys(doc)).to.deep.equal(['app', 'debug'])
      expect(doc.debug.host_directories).to.deep.equal([path.join(dir, 'debug')])
    }
  })

  it('reads COMPOSE_FILE, --project-directory and --env-file (which replaces the project directory\'s .env)', async function () {
    const dir = await bindProject(sb, {
      'compose.yaml': 'services: {app: {image: busybox, volumes: ["./${DIR}:/data"]}}',
      'alt.env': 'DIR=from-env-file\n',
    })
    const run = (args: string[]) => sb.run(['inspect', '--json', '--project-directory', 'elsewhere', ...args], dir, {COMPOSE_FILE: 'compose.yaml'})
    const outcome = await run(['--env-file', 'alt.env'])
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect(jsonOf(outcome).app.host_directories).to.deep.equal([path.join(dir, 'elsewhere', 'from-env-file')])
    const without = await run([])
    expect(without.stderr).to.contain('variable DIR is not set')
  })

  it('exits 2 naming the compose file and services.<name>.env_file when a required env_file is missing', async function () {
    const dir = await bindProject(sb, {'compose.yaml': 'services: {db: {image: mysql, env_file: db.env}}'})
    const outcome = await sb.run(['inspect', '--json'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stdout).to.contain(`${path.join(dir, 'compose.yaml')}: services.db.env_file: env file not found: ${path.join(dir, 'db.env')}`)
  })
})

describe('backupbot backup with profiles', function () {
  let sb: Sandbox
  useSandbox((created) => (sb = created))

  const planned = (outcome: Awaited<ReturnType<Sandbox['run']>>) => jsonOf(outcome).items.map((i: {service: string; item: string}) => `${i.service}:${i.item}`)

  it('plans no item of a left-out service, unless it is named on the command line', async function () {
    const dir = await bindProject(sb, {'compose.yaml': COMPOSE})
    expect(planned(await sb.run(['backup', '--dry-run', '--json'], dir))).to.deep.equal(['app:data'])
    expect(planned(await sb.run(['backup', '--dry-run', '--json', 'debug'], dir))).to.deep.equal(['debug:debug'])
  })

  it('warns about a scheme config entry for a left-out service and plans the rest', async function () {
    const config = JSON.stringify({app: [{type: 'backup_host_directories'}], debug: [{type: 'backup_host_directories'}]})
    const dir = await bindProject(sb, {'compose.yaml': COMPOSE, 'backupbot.json': config})
    const outcome = await sb.run(['backup', '--dry-run', '--json'], dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect(planned(outcome)).to.deep.equal(['app:data'])
    expect(outcome.stderr).to.contain('debug: service debug is left out by its profiles (debug, tools): not backed up')
  })
})
