// openStore: which targets are a plugin's store (`restic:<repo>`) and which are folders of the
// local tree, what a plugin is given, and the error for a kind of store nobody provides.
import {expect} from 'chai'
import os from 'node:os'

import {UsageError} from '../../../src/errors.js'
import {openStore, type OpenStoreOptions} from '../../../src/run/open-store.js'
import type {Store, StoreContext, StoreDefinition} from '../../../src/store.js'
import {LocalStore} from '../../../src/target/local-store.js'
import {recordingLogger} from '../../../src/testing/index.js'
import {SecretMasker, stores} from '../../support/fakes.js'

/** A store kind that records what open() got and returns a stand-in store. */
function recordingDefinition(prefix: string) {
  const opened: Array<{location: string; ctx: StoreContext}> = []
  const definition: StoreDefinition = {
    prefix,
    apiVersion: 1,
    description: `fake ${prefix}`,
    open(location, ctx) {
      opened.push({location, ctx})
      return {location: `${prefix}:${location}`} as Store
    },
  }
  return {definition, opened}
}

describe('openStore', function () {
  const restic = recordingDefinition('restic')
  const options = (extra: Partial<OpenStoreOptions> = {}): OpenStoreOptions => ({
    cwd: '/srv/project',
    stores: stores(restic.definition),
    log: recordingLogger(),
    env: {RESTIC_PASSWORD: 'from the environment'},
    masker: new SecretMasker(),
    ...extra,
  })
  beforeEach(() => restic.opened.splice(0))

  for (const [target, location] of [
    ['./backups', '/srv/project/backups'],
    ['backups', '/srv/project/backups'],
    ['/mnt/usb', '/mnt/usb'],
    ['./a:b', '/srv/project/a:b'],
    ['/x/y:z', '/x/y:z'],
    ['a/restic:x', '/srv/project/a/restic:x'],
    ['C:backups', '/srv/project/C:backups'],
    ['c:backups', '/srv/project/c:backups'],
    ['Restic:/srv/repo', '/srv/project/Restic:/srv/repo'],
    ['2x:y', '/srv/project/2x:y'],
  ] as const) {
    it(`opens ${target} as a folder of the local tree`, function () {
      const store = openStore(target, options())
      expect(store).to.be.instanceOf(LocalStore)
      expect(store.location).to.equal(location)
      expect(restic.opened).to.deep.equal([])
    })
  }

  for (const [target, location] of [
    ['restic:/srv/repo', '/srv/repo'],
    ['restic:relative/repo', 'relative/repo'],
    ['restic:s3:s3.example.com/bucket', 's3:s3.example.com/bucket'],
    ['restic:rest:http://127.0.0.1:8000/', 'rest:http://127.0.0.1:8000/'],
    ['restic:', ''],
  ] as const) {
    it(`hands ${target} to the plugin registered for restic as ${JSON.stringify(location)}`, function () {
      const store = openStore(target, options())
      expect(store.location).to.equal(`restic:${location}`)
      expect(restic.opened.map((o) => o.location)).to.deep.equal([location])
    })
  }

  it('gives the plugin the cwd, log, environment, this host, --prune and a secret() that masks', function () {
    const log = recordingLogger()
    const masker = new SecretMasker()
    openStore('restic:/srv/repo', options({log, masker, prune: true}))
    const {ctx} = restic.opened[0]!
    expect(ctx).to.include({cwd: '/srv/project', log, host: os.hostname(), prune: true})
    expect(ctx.env).to.deep.equal({RESTIC_PASSWORD: 'from the environment'})
    ctx.secret('hunter2')
    expect(masker.mask('password hunter2 refused')).to.equal('password *** refused')
  })

  it('does not prune unless asked', function () {
    openStore('restic:/srv/repo', options())
    expect(restic.opened[0]!.ctx.prune).to.equal(false)
  })

  it('refuses a prefix no plugin provides with exit 2, naming it, the installed kinds and the ./ way to a folder', function () {
    const refusal = (() => {
      try {
        openStore('kopia:/srv/repo', options())
      } catch (error) {
        return error as UsageError
      }
      throw new Error('opened')
    })()
    expect(refusal).to.be.instanceOf(UsageError)
    expect(refusal.exitCode).to.equal(2)
    expect(refusal.message).to.contain('kopia:').and.to.contain('installed: restic:')
    expect(refusal.suggestions.join('\n')).to.contain('./kopia:/srv/repo')
  })

  it('says that no kind of store is installed when none is', function () {
    expect(() => openStore('restic:/srv/repo', options({stores: stores()}))).to.throw(UsageError, /installed: none/)
  })

  it('lets an error of the plugin (a malformed location) through as it is', function () {
    const refusing: StoreDefinition = {
      ...restic.definition,
      open: () => {
        throw Object.assign(new Error('restic: empty repository location'), {exitCode: 2})
      },
    }
    expect(() => openStore('restic:', options({stores: stores(refusing)}))).to.throw('restic: empty repository location')
  })
})
