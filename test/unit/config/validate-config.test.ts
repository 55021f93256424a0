import {expect} from 'chai'

import {pointerToPath, validateConfigFile} from '../../../src/config/scheme/validate-config.js'
import {ConfigError, UsageError} from '../../../src/errors.js'
import type {SchemeDefinition} from '../../../src/scheme.js'
import {registryFrom} from '../../../src/schemes/registry.js'
import {registry} from '../../support/fakes.js'

const dumpScheme: SchemeDefinition = {
  type: 'backup_dump',
  aliases: ['backup_dumps'],
  apiVersion: 2,
  description: 'test scheme',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['database'],
    properties: {database: {type: 'string'}, password: {type: 'string'}, databases: {type: 'array', items: {type: 'string'}}},
  },
  plan: async () => [],
  backup: async () => {},
}
const schemes = registry(dumpScheme)

function problem(data: unknown): UsageError {
  try {
    validateConfigFile({file: 'backupbot.json', data}, schemes)
  } catch (error) {
    return error as UsageError
  }
  throw new Error('expected a validation error')
}

describe('validating the scheme config', function () {
  it('accepts the seed format and returns the entries unchanged', function () {
    const data = {db: [{type: 'backup_dump', database: 'app', password: 'db.environment.PW'}]}
    expect(validateConfigFile({file: 'x.json', data}, schemes)).to.deep.equal({file: 'x.json', scheme: data})
  })

  it('accepts a scheme alias', function () {
    expect(() => validateConfigFile({file: 'x', data: {db: [{type: 'backup_dumps', database: 'a'}]}}, schemes)).not.to.throw()
  })

  it('names the file and the path of a wrongly typed option', function () {
    const error = problem({db: [{type: 'backup_dump', database: 'a'}, {type: 'backup_dump', database: 'b', password: 42}]})
    expect(error).to.be.instanceOf(ConfigError)
    expect(error.message).to.equal('backupbot.json: db[1].password: must be a string')
  })

  it('names an unknown option and lists the allowed ones', function () {
    const error = problem({db: [{type: 'backup_dump', database: 'a', pasword: 'x'}]})
    expect(error.message).to.contain('db[0].pasword').and.to.contain('unknown option "pasword"')
    expect(error.suggestions.join(' ')).to.contain('database, password, databases')
  })

  it('takes compression: gzip, zstd or none in an entry of any scheme, as the core reads it', function () {
    for (const compression of ['gzip', 'zstd', 'none']) {
      const data = {db: [{type: 'backup_dump', database: 'a', compression}]}
      expect(validateConfigFile({file: 'x.json', data}, schemes)).to.deep.equal({file: 'x.json', scheme: data})
    }
  })

  it('names the file and key of a compression it does not know, with the choices', function () {
    const error = problem({db: [{type: 'backup_dump', database: 'a'}, {type: 'backup_dump', database: 'b', compression: 'xz'}]})
    expect(error).to.be.instanceOf(ConfigError)
    expect(error.message).to.equal('backupbot.json: db[1].compression: must be one of "gzip", "zstd", "none"')
    expect(problem({db: [{type: 'backup_dump', database: 'a', compression: 9}]}).message).to.contain('backupbot.json: db[0].compression: must be')
  })

  it('names a missing required option', function () {
    expect(problem({db: [{type: 'backup_dump'}]}).message).to.equal('backupbot.json: db[0]: missing required option "database"')
  })

  it('tells which plugin to install for a known but missing scheme type', function () {
    const error = problem({db: [{type: 'backup_postgres', database: 'a'}]})
    expect(error.message).to.contain('db[0].type').and.to.contain('backup_postgres')
    expect(error.suggestions.join(' ')).to.contain('backupbot plugins:install @backupbot/plugin-postgres')
  })

  it('says so when an installed plugin provides the type but could not be loaded (made for another apiVersion)', function () {
    const loaded = registryFrom(registry(dumpScheme).list, [
      {plugin: 'backupbot-plugin-tape', type: 'backup_tape', error: 'scheme backup_tape has apiVersion 1, but this backupbot supports only apiVersion 2'},
    ])
    const error = (() => {
      try {
        validateConfigFile({file: 'backupbot.json', data: {db: [{type: 'backup_tape'}]}}, loaded)
      } catch (caught) {
        return caught as ConfigError
      }
      throw new Error('expected a ConfigError')
    })()
    expect(error.message).to.equal(
      'backupbot.json: db[0].type: the plugin backupbot-plugin-tape provides the scheme type "backup_tape", but it could not be loaded: scheme backup_tape has apiVersion 1, but this backupbot supports only apiVersion 2',
    )
    expect(error.suggestions).to.deep.equal(['update or reinstall backupbot-plugin-tape'])
  })

  it('explains an unknown scheme type that no known plugin provides', function () {
    const error = problem({db: [{type: 'backup_tape'}]})
    expect(error.message).to.contain('no installed plugin provides the scheme type "backup_tape" (installed: backup_dump)')
    expect(error.suggestions.join(' ')).to.contain('backupbot plugins:install <package>')
  })

  it('reports every problem at once', function () {
    const error = problem({db: [{type: 'backup_dump'}], web: 'nope'})
    expect(error.message).to.contain('has 2 problems').and.to.contain('db[0]').and.to.contain('web: must be a list of schemes')
  })

  it('reports a oneOf of required options as one choice', function () {
    const choice: SchemeDefinition = {...dumpScheme, type: 'backup_choice', optionsSchema: {type: 'object', properties: {a: {}, b: {}}, oneOf: [{required: ['a']}, {required: ['b']}]}}
    for (const entry of [{type: 'backup_choice'}, {type: 'backup_choice', a: 1, b: 2}]) {
      let message = ''
      try {
        validateConfigFile({file: 'c.json', data: {db: [entry]}}, registry(choice))
      } catch (error) {
        message = (error as Error).message
      }
      expect(message).to.equal('c.json: db[0]: give exactly one of "a" or "b"')
    }
  })

  it('rejects a config that is not a mapping', function () {
    expect(problem([1, 2]).message).to.contain('must be an object mapping service or container names')
  })

  it('turns JSON pointers into readable paths', function () {
    expect(pointerToPath('/db/2/password')).to.equal('db[2].password')
    expect(pointerToPath('/my.svc/0')).to.equal('"my.svc"[0]')
    expect(pointerToPath('')).to.equal('')
  })
})
