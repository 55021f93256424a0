// `backupbot config validate` and `config schema`: they read the scheme config file and the
// installed schemes only, so no Docker engine (the sandbox points DOCKER_HOST nowhere) and no
// compose project are needed, and nothing is written.
import {Ajv} from 'ajv'
import {expect} from 'chai'
import {mkdir, readdir, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {expectJsonError, jsonOf, type Sandbox, useSandbox} from '../support/run-command.js'

const SCHEMES = 'app:\n  - type: backup_host_directories\n    directories: [./data]\n'
/** A valid file with one setting of every kind the bad inputs below break. */
const GOOD = `# yaml-language-server: $schema=./backupbot.schema.json
${SCHEMES}db:
  - type: backup_mysql
    database: shop
$settings:
  targets: [/srv/backups]
  retention: {keep_daily: 7, keep_within: 1m}
  hooks:
    before: [{exec: [php, occ, maintenance:mode, --on], service: app}]
    after: [{run: [logger, done]}]
  notify:
    webhooks: [{url: "https://hooks.example.com/x", when: always}]
    healthchecks: https://hc-ping.com/uuid
  schedule: {cron: "0 3 * * *", timezone: Europe/Berlin}
`

describe('backupbot config validate', function () {
  let sb: Sandbox
  let dir: string
  useSandbox((created) => (sb = created))

  beforeEach(async function () {
    // A folder with nothing but the config file: no compose project.
    dir = path.join(sb.dir, 'etc')
    await mkdir(dir)
  })

  const write = async (content: string, name = 'backupbot.yaml') => writeFile(path.join(dir, name), content)

  it('says a good file is valid, with its services and whether it has settings', async function () {
    await write(GOOD)
    const outcome = await sb.run(['config', 'validate'], dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect(outcome.stdout.trim()).to.equal('backupbot.yaml: valid (2 services, settings: yes)')
    const json = jsonOf(await sb.run(['config', 'validate', '--json'], dir))
    expect(json).to.deep.equal({valid: true, file: 'backupbot.yaml', services: ['app', 'db'], settings: true})
  })

  it('takes --config, and a file without settings', async function () {
    await write(JSON.stringify({app: [{type: 'backup_host_directories'}]}), 'other.json')
    const outcome = await sb.run(['config', 'validate', '--config', 'other.json'], dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect(outcome.stdout.trim()).to.equal('other.json: valid (1 services, settings: no)')
  })

  const badInputs: Array<{what: string; settings: string; says: string}> = [
    {what: 'an unknown key under $settings', settings: '  compresion: zstd\n', says: 'backupbot.yaml: $settings.compresion: unknown setting "compresion"'},
    {what: 'a bad cron expression', settings: '  schedule: {cron: "0 25 * * *"}\n', says: 'backupbot.yaml: $settings.schedule.cron: not a valid cron expression'},
    {what: 'a bad time zone', settings: '  schedule: {cron: "0 3 * * *", timezone: Berlin/Mitte}\n', says: 'backupbot.yaml: $settings.schedule.timezone: unknown time zone "Berlin/Mitte"'},
    {what: 'a bad URL', settings: '  notify:\n    webhooks: [{url: "hooks.example.com/token"}]\n', says: 'backupbot.yaml: $settings.notify.webhooks[0].url: must be an http:// or https:// URL'},
    {what: 'a hook with both run and exec', settings: '  hooks:\n    before: [{run: [a], exec: [b], service: app}]\n', says: 'backupbot.yaml: $settings.hooks.before[0]: give exactly one of "run" or "shell" or "exec"'},
    {what: 'a run-level exec hook without service', settings: '  hooks:\n    after: [{exec: [php, occ]}]\n', says: 'backupbot.yaml: $settings.hooks.after[0]: missing required option "service"'},
  ]

  for (const bad of badInputs) {
    it(`exits 2 on ${bad.what}, naming the file and the path, and touches nothing`, async function () {
      await write(`${SCHEMES}$settings:\n${bad.settings}`)
      const before = await readdir(sb.dir, {recursive: true})
      const outcome = await sb.run(['config', 'validate'], dir)
      expect(outcome.exitCode).to.equal(2)
      expect(outcome.stdout).to.equal('')
      expect(outcome.stderr).to.contain(bad.says)
      expect(await readdir(sb.dir, {recursive: true})).to.deep.equal(before)
      const error = expectJsonError(await sb.run(['config', 'validate', '--json'], dir), 2)
      expect(error.message).to.contain(bad.says)
    })
  }

  it('refuses a top-level key starting with $ other than $settings and $schema', async function () {
    await write(`${SCHEMES}$setting:\n  targets: [/srv]\n`)
    const outcome = await sb.run(['config', 'validate'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stderr).to.contain('backupbot.yaml: $setting: keys starting with $ are reserved').and.to.contain('hint: the run settings go under $settings')
  })

  it('exits 2 with a hint when there is no config file', async function () {
    const outcome = await sb.run(['config', 'validate'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stderr).to.contain('backupbot.json, backupbot.yaml, backupbot.yml').and.to.contain('--config')
  })
})

describe('backupbot config schema', function () {
  let sb: Sandbox
  useSandbox((created) => (sb = created))

  it('prints a JSON Schema of the whole file that accepts a good file and refuses a bad one', async function () {
    const outcome = await sb.run(['config', 'schema'], sb.dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    const schema = JSON.parse(outcome.stdout)
    expect(schema).to.include({$schema: 'http://json-schema.org/draft-07/schema#', title: 'backupbot scheme config'})
    // The bundled schemes' entries are in it.
    const validate = new Ajv({strict: false, validateFormats: false}).compile(schema)
    const good = {
      $schema: './backupbot.schema.json',
      app: [{type: 'backup_host_directories', directories: ['./data']}],
      db: [{type: 'backup_mysql', database: 'shop'}],
      $settings: {targets: ['/srv/backups'], compression: 'zstd', hooks: {before: [{exec: ['true'], service: 'app'}]}, schedule: {cron: '0 3 * * *'}},
    }
    expect(validate(good), JSON.stringify(validate.errors)).to.equal(true)
    for (const bad of [
      {...good, $settings: {...good.$settings, compresion: 'zstd'}},
      {...good, $settings: {hooks: {before: [{exec: ['true']}]}}},
      {...good, app: [{type: 'backup_host_directories', directories: ['./data'], bogus: 1}]},
      {...good, db: [{type: 'backup_nothing'}]},
      {...good, $other: {}},
    ]) {
      expect(validate(bad), JSON.stringify(bad)).to.equal(false)
    }
  })

  it('prints the same schema under --json', async function () {
    const plain = JSON.parse((await sb.run(['config', 'schema'], sb.dir)).stdout)
    expect(jsonOf(await sb.run(['config', 'schema', '--json'], sb.dir))).to.deep.equal(plain)
  })
})
