// The contract every scheme plugin keeps, checked for each plugin of this repository and the
// example plugin of the authors' guide, through the same hook the CLI calls.
import {expect} from 'chai'
import {Ajv} from 'ajv'
import {existsSync, readdirSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {Readable} from 'node:stream'
import {fileURLToPath} from 'node:url'

import {archiveOps} from '../../src/archive/index.js'
import type {SchemeDefinition, ServiceInfo} from '../../src/scheme.js'
import {optionsSchemaOf} from '../../src/schemes/options-schema.js'
import {schemeProblem} from '../../src/schemes/registry.js'
import {collect, fakePlanContext, type FakePlanOptions, fakeProject, fakeRunContext, type FakeRunOptions, fakeService, recordingLogger} from '../../src/testing/index.js'
import {rawTar} from '../support/tar.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const pluginDirs = [
  ...readdirSync(path.join(root, 'plugins')).map((name) => path.join('plugins', name)),
  path.join('examples', 'scheme-plugin'),
  // Store plugins (plugins/restic) register no schemes.
].filter((dir) => existsSync(path.join(root, dir, 'src', 'hooks', 'schemes.ts')))

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
        const validate = new Ajv({strict: false}).compile(optionsSchemaOf(scheme))
        expect(scheme.optionsSchema.additionalProperties, scheme.type).to.equal(false)
        expect(validate({no_such_option: 1}), scheme.type).to.equal(false)
      }
    })

    it('has a default entry, if any, that its own schema accepts', function () {
      for (const scheme of schemes.filter((s) => s.defaultEntry !== undefined)) {
        expect(new Ajv({strict: false}).compile(optionsSchemaOf(scheme))(scheme.defaultEntry), scheme.type).to.equal(true)
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

/**
 * A real run of each scheme against fakes: the options and the fake engine one config entry
 * needs. A scheme added to plugins/ without a case here fails the contract test.
 */
interface Case {
  options: Record<string, unknown>
  service: ServiceInfo
  run?: FakeRunOptions
  /** Answers for the read-only engine questions plan may ask. */
  plan?: FakePlanOptions['docker']
}

const DUMPS: Record<string, string> = {
  mysql: '-- MariaDB dump\nCREATE TABLE t (x int);\n-- Dump completed on 2024-05-01 10:11:12\n',
  postgres: '--\n-- PostgreSQL database dump\n--\nCREATE TABLE t (x int);\n--\n-- PostgreSQL database dump complete\n--\n',
}

function cases(dataDir: string): Record<string, Case> {
  const db = fakeService('db')
  return {
    backup_host_directories: {
      options: {directories: ['all']},
      service: fakeService('web', {mounts: [{type: 'bind', source: dataDir, target: '/data', readOnly: false, backedUp: true}]}),
      run: {archive: archiveOps(recordingLogger())},
    },
    backup_volume: {
      options: {volumes: ['all']},
      service: fakeService('web', {mounts: [{type: 'volume', source: 'data', volumeName: 'p_data', target: '/data', readOnly: false, backedUp: true}]}),
      plan: {containers: {usingVolume: async () => []}},
      run: {
        docker: {
          containers: {usingVolume: async () => []},
          images: {ofService: async () => 'img'},
          volumes: {read: async () => Readable.from([rawTar([{path: 'data/', type: 'Directory'}, {path: 'data/a.txt', type: 'File', body: 'a'}])])},
        },
      },
    },
    backup_mysql: {options: {database: 'shop'}, service: db, run: {exec: (cmd) => (cmd[0] === 'sh' ? {stdout: '/usr/bin/mariadb-dump\n'} : {stdout: DUMPS.mysql})}},
    backup_postgres: {options: {database: 'shop'}, service: db, run: {exec: () => ({stdout: DUMPS.postgres})}},
    backup_exec: {options: {command: ['redis-cli', '--rdb', '-'], name: 'dump.rdb'}, service: db, run: {exec: () => ({stdout: 'REDIS0011...'})}},
  }
}

for (const dir of pluginDirs) {
  describe(`a run of the schemes of ${dir} against fakes`, function () {
    let schemes: SchemeDefinition<Record<string, unknown>>[]
    let temp: string
    let table: Record<string, Case>

    before(async function () {
      schemes = await (await import(path.join(root, dir, 'src', 'hooks', 'schemes.ts'))).default()
      temp = await mkdtemp(path.join(os.tmpdir(), 'bb-contract-'))
      await writeFile(path.join(temp, 'a.txt'), 'a')
      table = cases(temp)
    })
    after(() => rm(temp, {recursive: true, force: true}))

    function caseOf(scheme: SchemeDefinition<Record<string, unknown>>): Case {
      const found = table[scheme.type]
      if (!found) throw new Error(`add a case for ${scheme.type} to test/contract/schemes.test.ts`)
      return found
    }

    it('plans items the core can store: a folder, a name, a safe extension and whether the core compresses', async function () {
      for (const scheme of schemes) {
        const {options, service, plan} = caseOf(scheme)
        const {ctx} = fakePlanContext({project: fakeProject([service]), docker: plan})
        const items = await scheme.plan(ctx, service, options)
        expect(items, scheme.type).to.have.length.greaterThan(0)
        for (const item of items) {
          expect(item.folder, scheme.type).to.be.a('string').and.not.equal('')
          expect(item.name, scheme.type).to.be.a('string').and.not.equal('')
          expect(item.source, scheme.type).to.be.a('string').and.not.equal('')
          expect(item.extension, scheme.type).to.match(/^(\.[A-Za-z0-9][A-Za-z0-9_-]*)*$/)
          expect(item.compress, scheme.type).to.be.a('boolean')
          if (item.compress) expect(item.extension, scheme.type).not.to.match(/\.(gz|tgz|zst|bz2|xz)$/)
        }
      }
    })

    it('writes the planned item into the stream it is given, and resolves once it is complete', async function () {
      for (const scheme of schemes) {
        const {options, service, plan, run} = caseOf(scheme)
        const [item] = await scheme.plan(fakePlanContext({project: fakeProject([service]), docker: plan}).ctx, service, options)
        const {ctx} = fakeRunContext({...run, project: fakeProject([service]), scheme: scheme.type})
        const out = collect()
        await scheme.backup(ctx, {...item!, service: service.name, scheme: scheme.type}, out.out)
        expect(out.bytes().length, scheme.type).to.be.greaterThan(0)
      }
    })

    it('throws instead of writing a version when backupbot was interrupted before it started', async function () {
      for (const scheme of schemes) {
        const {options, service, plan, run} = caseOf(scheme)
        const [item] = await scheme.plan(fakePlanContext({project: fakeProject([service]), docker: plan}).ctx, service, options)
        const {ctx, abort} = fakeRunContext({...run, project: fakeProject([service]), scheme: scheme.type})
        abort(new Error('interrupted'))
        const error = await scheme.backup(ctx, {...item!, service: service.name, scheme: scheme.type}, collect().out).catch((e: unknown) => e)
        expect(error, scheme.type).to.be.instanceOf(Error)
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
