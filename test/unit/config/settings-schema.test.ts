// `$settings` in the scheme config file: validated with the scheme entries in one pass, each
// problem with the file, its path and a hint; the entries come back without the `$` keys.
import {Ajv} from 'ajv'
import {expect} from 'chai'

import {buildConfigSchema, validateConfigFile} from '../../../src/config/scheme/validate-config.js'
import type {Settings} from '../../../src/config/settings/types.js'
import {ConfigError, type UsageError} from '../../../src/errors.js'
import type {SchemeDefinition} from '../../../src/scheme.js'
import {registry} from '../../support/fakes.js'

const dirs: SchemeDefinition = {
  type: 'backup_dirs',
  apiVersion: 2,
  description: 'test scheme',
  optionsSchema: {type: 'object', additionalProperties: false, properties: {directories: {type: 'array', items: {type: 'string'}}}},
  plan: async () => [],
  backup: async () => {},
}
const schemes = registry(dirs)
const entries = {web: [{type: 'backup_dirs', directories: ['./site']}]}

/** Every key of Settings, each with a value it takes. */
const EVERY_SETTING: Required<Settings> = {
  targets: ['/srv/backups', 'restic:/srv/restic'],
  retention: {keep: 3, keep_hourly: 24, keep_daily: 7, keep_weekly: 4, keep_monthly: 12, keep_yearly: 2, keep_within: '1y2m7d12h', prune: true},
  compression: 'zstd',
  spool_dir: '/var/tmp',
  spool: false,
  hooks: {
    before: [{exec: ['php', 'occ', 'maintenance:mode', '--on'], service: 'web', user: 'www-data', workdir: '/var/www', timeout: 30}],
    after: [{exec: ['php', 'occ', 'maintenance:mode', '--off'], service: 'web'}],
    on_error: [{run: ['logger', 'backup failed']}, {shell: 'echo failed | mail root', timeout: 5.5}],
    services: {db: {before: [{exec: ['sync']}], after: [{run: ['true']}], on_error: [{shell: 'true'}]}},
  },
  notify: {
    webhooks: [{url: 'https://hooks.example.com/backup', when: 'always', headers: {Authorization: 'Bearer x'}}, {url: 'http://127.0.0.1:8080/'}],
    healthchecks: 'https://hc-ping.com/2f9a',
    timeout: 10,
    retries: 0,
  },
  metrics_file: '/var/lib/node-exporter/backupbot.prom',
  schedule: {cron: '0 3 * * *', timezone: 'Europe/Berlin'},
}

function problem(settings: unknown, file = 'backupbot.yaml'): UsageError {
  try {
    validateConfigFile({file, data: {...entries, $settings: settings}}, schemes)
  } catch (error) {
    return error as UsageError
  }
  throw new Error('expected a validation error')
}

describe('the settings file ($settings)', function () {
  it('takes every setting and hands the entries back without $settings and $schema', function () {
    const config = validateConfigFile({file: 'b.yaml', data: {$schema: './backupbot.schema.json', ...entries, $settings: EVERY_SETTING}}, schemes)
    expect(config).to.deep.equal({file: 'b.yaml', scheme: entries, settings: EVERY_SETTING})
  })

  it('has no settings when the file has no $settings', function () {
    expect(validateConfigFile({file: 'b.yaml', data: entries}, schemes)).to.deep.equal({file: 'b.yaml', scheme: entries})
  })

  it('takes a file with settings only, and six-field cron expressions and nicknames', function () {
    for (const cron of ['*/10 * * * * *', '@daily', '0 3 * * mon-fri']) {
      expect(validateConfigFile({file: 'b.yaml', data: {$settings: {schedule: {cron}}}}, schemes).scheme).to.deep.equal({})
    }
  })

  it('names an unknown key under $settings and lists the allowed ones', function () {
    const error = problem({compresion: 'zstd'})
    expect(error).to.be.instanceOf(ConfigError)
    expect(error.message).to.equal('backupbot.yaml: $settings.compresion: unknown setting "compresion"')
    expect(error.suggestions).to.deep.equal(['allowed keys here: targets, retention, compression, spool_dir, spool, hooks, notify, metrics_file, schedule'])
  })

  it('names an unknown key deeper down with the keys allowed there', function () {
    const error = problem({retention: {keep_dayly: 7}})
    expect(error.message).to.equal('backupbot.yaml: $settings.retention.keep_dayly: unknown setting "keep_dayly"')
    expect(error.suggestions[0]).to.contain('keep_daily').and.to.contain('prune')
  })

  it('refuses a cron expression that does not parse, saying why', function () {
    const error = problem({schedule: {cron: '61 * * * *'}})
    expect(error.message).to.equal('backupbot.yaml: $settings.schedule.cron: not a valid cron expression: Invalid value for minute: 61')
    expect(error.suggestions[0]).to.contain('0 3 * * *')
    expect(problem({schedule: {cron: '0 3 * *'}}).message).to.contain('$settings.schedule.cron: not a valid cron expression')
    expect(problem({schedule: {cron: '2024-01-01T03:00:00'}}).message).to.contain('$settings.schedule.cron: not a valid cron expression')
    expect(problem({schedule: {timezone: 'UTC'}}).message).to.equal('backupbot.yaml: $settings.schedule: missing required option "cron"')
  })

  it('refuses a time zone that does not exist', function () {
    const error = problem({schedule: {cron: '0 3 * * *', timezone: 'Europe/Atlantis'}})
    expect(error.message).to.equal('backupbot.yaml: $settings.schedule.timezone: unknown time zone "Europe/Atlantis"')
    expect(error.suggestions[0]).to.contain('Europe/Berlin')
  })

  it('refuses a URL that is not http(s), without quoting it (it may hold a token)', function () {
    for (const url of ['ftp://example.com/x', 'hooks.example.com/secret-token', 'https://']) {
      const error = problem({notify: {webhooks: [{url}]}})
      expect(error.message).to.equal('backupbot.yaml: $settings.notify.webhooks[0].url: must be an http:// or https:// URL')
    }
    expect(problem({notify: {healthchecks: 'hc-ping.com/uuid'}}).message).to.equal('backupbot.yaml: $settings.notify.healthchecks: must be an http:// or https:// URL')
    expect(problem({notify: {webhooks: [{when: 'always'}]}}).message).to.equal('backupbot.yaml: $settings.notify.webhooks[0]: missing required option "url"')
  })

  it('refuses a hook with more or fewer than one of run, shell and exec', function () {
    for (const hook of [{run: ['a'], exec: ['b']}, {run: ['a'], shell: 'b'}, {timeout: 3}]) {
      const error = problem({hooks: {services: {web: {before: [hook]}}}})
      expect(error.message).to.equal('backupbot.yaml: $settings.hooks.services.web.before[0]: give exactly one of "run" or "shell" or "exec"')
    }
  })

  it('refuses an exec hook of the run without the service whose container runs it', function () {
    const error = problem({hooks: {after: [{exec: ['php', 'occ', 'maintenance:mode', '--off']}]}})
    expect(error.message).to.equal('backupbot.yaml: $settings.hooks.after[0]: missing required option "service"')
    expect(error.suggestions[0]).to.contain('service: web')
    // A service's own exec hooks run in its container.
    expect(() => validateConfigFile({file: 'b', data: {$settings: {hooks: {services: {web: {after: [{exec: ['true']}]}}}}}}, schemes)).not.to.throw()
  })

  it('refuses exec-only options on a host hook, empty argv lists and timeouts that are not positive', function () {
    expect(problem({hooks: {before: [{run: ['true'], user: 'root'}]}}).message).to.equal('backupbot.yaml: $settings.hooks.before[0].user: is given without "exec"')
    expect(problem({hooks: {before: [{run: []}]}}).message).to.contain('$settings.hooks.before[0].run: must NOT have fewer than 1 items')
    expect(problem({hooks: {before: [{run: ['true'], timeout: 0}]}}).message).to.contain('$settings.hooks.before[0].timeout: must be > 0')
    expect(problem({hooks: {before: [{run: 'true'}]}}).message).to.equal('backupbot.yaml: $settings.hooks.before[0].run: must be an array')
  })

  it('checks keep_within as --keep-within does, and counts as whole numbers of at least 1', function () {
    const error = problem({retention: {keep_within: '2w'}})
    expect(error.message).to.equal('backupbot.yaml: $settings.retention.keep_within: "2w" is not a duration: unknown unit "w"')
    expect(error.suggestions[0]).to.contain('1y5m7d2h')
    expect(problem({retention: {keep: 0}}).message).to.contain('$settings.retention.keep: must be >= 1')
    expect(problem({retention: {keep_daily: 1.5}}).message).to.equal('backupbot.yaml: $settings.retention.keep_daily: must be an integer')
  })

  it('refuses wrong types of the plain settings', function () {
    expect(problem({targets: './backups'}).message).to.equal('backupbot.yaml: $settings.targets: must be an array')
    expect(problem({compression: 'xz'}).message).to.equal('backupbot.yaml: $settings.compression: must be one of "gzip", "zstd", "none"')
    expect(problem({spool: 'no'}).message).to.equal('backupbot.yaml: $settings.spool: must be a boolean')
    expect(problem('yes').message).to.equal('backupbot.yaml: $settings: must be an object')
  })

  it('refuses any other top-level key starting with $, with a hint', function () {
    let error: UsageError | undefined
    try {
      validateConfigFile({file: 'b.json', data: {...entries, $setting: {}}}, schemes)
    } catch (caught) {
      error = caught as UsageError
    }
    expect(error?.message).to.equal('b.json: $setting: keys starting with $ are reserved: this one means nothing')
    expect(error?.suggestions[0]).to.contain('$settings')
  })

  it('reports the problems of the settings and of the scheme entries at once', function () {
    let error: UsageError | undefined
    try {
      validateConfigFile({file: 'b.yaml', data: {web: [{type: 'backup_dirs', bogus: 1}], $settings: {schedule: {cron: 'never'}, notify: {healthchecks: 'x'}}}}, schemes)
    } catch (caught) {
      error = caught as UsageError
    }
    expect(error?.message).to.contain('b.yaml has 3 problems')
    expect(error?.message).to.contain('b.yaml: web[0].bogus: unknown option "bogus"')
    expect(error?.message).to.contain('b.yaml: $settings.schedule.cron: ')
    expect(error?.message).to.contain('b.yaml: $settings.notify.healthchecks: ')
  })
})

describe('the JSON Schema of the whole file', function () {
  const schema = buildConfigSchema(schemes)

  it('is draft-07 with an $id and a title, and describes every setting', function () {
    expect(schema).to.include({$schema: 'http://json-schema.org/draft-07/schema#', $id: 'urn:backupbot:config', title: 'backupbot scheme config'})
    const undescribed: string[] = []
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}[${i}]`))
      if (node === null || typeof node !== 'object') return
      const {properties} = node as {properties?: Record<string, Record<string, unknown>>}
      for (const [key, value] of Object.entries(properties ?? {})) if (typeof value.description !== 'string') undescribed.push(`${at}.${key}`)
      for (const [key, value] of Object.entries(node)) walk(value, `${at}.${key}`)
    }
    walk((schema.properties as Record<string, unknown>).$settings, '$settings')
    expect(undescribed).to.deep.equal([])
  })

  it('closes every object of the settings', function () {
    const open: string[] = []
    const walk = (node: unknown, at: string): void => {
      if (node === null || typeof node !== 'object') return
      const object = node as Record<string, unknown>
      if (object.type === 'object' && object.additionalProperties === undefined) open.push(at)
      for (const [key, value] of Object.entries(object)) walk(value, `${at}/${key}`)
    }
    walk((schema.properties as Record<string, unknown>).$settings, '$settings')
    expect(open).to.deep.equal([])
  })

  it('validates in a plain ajv that knows none of the formats, as an editor would', function () {
    const validate = new Ajv({strict: false, validateFormats: false}).compile(schema)
    expect(validate({$schema: './s.json', ...entries, $settings: EVERY_SETTING}), JSON.stringify(validate.errors)).to.equal(true)
    expect(validate({...entries, $settings: {compresion: 'zstd'}})).to.equal(false)
    expect(validate({...entries, $foo: []})).to.equal(false)
  })
})
