// The contract every scheme plugin keeps, checked for each plugin of this repository and the
// example plugin of the authors' guide, through the same hook the CLI calls.
import {expect} from 'chai'
import {Ajv} from 'ajv'
import {readdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import type {SchemeDefinition} from '../../src/scheme.js'
import {schemeProblem} from '../../src/schemes/registry.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const pluginDirs = [
  ...readdirSync(path.join(root, 'plugins')).map((name) => path.join('plugins', name)),
  path.join('examples', 'scheme-plugin'),
]

for (const dir of pluginDirs) {
  describe(`the scheme contract of ${dir}`, function () {
    let schemes: SchemeDefinition<Record<string, unknown>>[]

    before(async function () {
      const hook = await import(path.join(root, dir, 'src', 'hooks', 'schemes.ts'))
      schemes = await hook.default()
    })

    it('registers at least one scheme through its backupbot:schemes hook', function () {
      expect(schemes).to.be.an('array').that.is.not.empty
    })

    it('passes the checks the core applies when loading plugins', function () {
      for (const scheme of schemes) expect(schemeProblem(scheme), scheme.type).to.equal(undefined)
    })

    it('describes its options with a schema that compiles and rejects unknown options', function () {
      for (const scheme of schemes) {
        const validate = new Ajv({strict: false}).compile(scheme.optionsSchema)
        expect(scheme.optionsSchema.additionalProperties, scheme.type).to.equal(false)
        expect(validate({no_such_option: 1}), scheme.type).to.equal(false)
      }
    })

    it('has a default entry, if any, that its own schema accepts', function () {
      for (const scheme of schemes.filter((s) => s.defaultEntry !== undefined)) {
        expect(new Ajv({strict: false}).compile(scheme.optionsSchema)(scheme.defaultEntry), scheme.type).to.equal(true)
      }
    })

    it('has a description and, when it restores, also a function for it', function () {
      for (const scheme of schemes) {
        expect(scheme.description.trim(), scheme.type).not.to.equal('')
        if (scheme.restore !== undefined) expect(scheme.restore, scheme.type).to.be.a('function')
        if (scheme.verify !== undefined) expect(scheme.verify, scheme.type).to.be.a('function')
      }
    })
  })
}

describe('the bundled and documented schemes', function () {
  it('can all restore, as the README promises for the four backup types', async function () {
    for (const name of ['host-directories', 'volumes', 'mysql', 'postgres']) {
      const hook = await import(path.join(root, 'plugins', name, 'src', 'hooks', 'schemes.ts'))
      for (const scheme of (await hook.default()) as SchemeDefinition[]) expect(scheme.restore, scheme.type).to.be.a('function')
    }
  })
})
