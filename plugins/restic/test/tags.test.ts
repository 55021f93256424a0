import {expect} from 'chai'

import type {Manifest} from 'backupbot'

import {dataPath, dataTags, type Identity, itemFilter, manifestFrom, manifestTags, MARK, readTags} from '../src/tags.js'

/** Names that restic or a path would take apart: commas (restic splits --tag there), spaces, slashes, `=`, `%`, unicode, dots. */
const AWKWARD: Identity = {project: 'shop, eu', service: 'db 1', folder: 'bind_mounts', item: './data/../www=1%,ü 😀'}

function manifestOf(identity: Identity, extra: Partial<Manifest> = {}): Manifest {
  return {
    format: 1,
    project: identity.project,
    service: identity.service,
    scheme: 'backup_host_directories',
    item: identity.item,
    source: 'bind mount ./data/www, 3 files',
    backupbot: '0.1.0',
    file: dataPath(identity, '.tar'),
    bytes: 1234,
    sha256: 'ab'.repeat(32),
    created: '2024-05-01T10:11:12.345Z',
    ...extra,
  }
}

describe('restic store: tags', function () {
  it('gives the manifest back from a manifest snapshot’s tags, whatever the names hold', function () {
    for (const identity of [AWKWARD, {project: '..', service: '.', folder: 'mysql', item: '..'}]) {
      const manifest = manifestOf(identity)
      const tags = manifestTags(identity, '0123456789abcdef', manifest)
      // Each value is one tag: none would be split by restic.
      for (const tag of tags) expect(tag, tag).to.not.match(/[,\s]/)
      const values = readTags(tags)
      expect(values).to.include({kind: 'manifest', write: '0123456789abcdef', folder: identity.folder})
      expect(manifestFrom(values)).to.deep.equal(manifest)
    }
  })

  it('tags data with the identity, the write id and this process', function () {
    const tags = dataTags(AWKWARD, 'w1')
    expect(tags[0]).to.equal(MARK)
    expect(readTags(tags)).to.deep.equal({kind: 'data', ...AWKWARD, write: 'w1', pid: String(process.pid)})
  })

  it('selects one item of one kind with a comma list of exactly its tags', function () {
    const filter = itemFilter(AWKWARD, 'data').split(',')
    expect(filter).to.have.members(dataTags(AWKWARD, 'w1').filter((t) => !/^bb-(write|pid)=/.test(t)))
    // Another item whose names merely start alike is not selected.
    const other = itemFilter({...AWKWARD, item: `${AWKWARD.item}x`}, 'data').split(',')
    expect(other.every((t) => filter.includes(t))).to.equal(false)
    expect(itemFilter(AWKWARD, 'manifest')).to.include('bb-kind=manifest').and.not.include('bb-kind=data')
  })

  it('reads only bb- tags, ignoring hand-made ones and undecodable values', function () {
    expect(readTags(['backupbot', 'weekly', 'bb-item=a%20b', 'bb-Item=x', 'bb-file=%E0%A4%A', 'nobb-kind=data'])).to.deep.equal({item: 'a b'})
    expect(readTags(null)).to.deep.equal({})
    expect(readTags(undefined)).to.deep.equal({})
  })

  it('refuses a manifest with a missing or malformed field', function () {
    const values = readTags(manifestTags(AWKWARD, 'w1', manifestOf(AWKWARD)))
    for (const field of ['project', 'service', 'scheme', 'item', 'source', 'backupbot', 'file', 'bytes', 'sha256', 'created']) {
      const {[field]: _gone, ...rest} = values
      expect(manifestFrom(rest), `without ${field}`).to.equal(undefined)
    }
    for (const bytes of ['', '-1', '1.5', '12kB', ' 12']) expect(manifestFrom({...values, bytes}), `bytes ${bytes}`).to.equal(undefined)
    for (const sha256 of ['', 'AB'.repeat(32), 'ab'.repeat(31), 'ab'.repeat(33), 'zz'.repeat(32)]) {
      expect(manifestFrom({...values, sha256}), `sha256 ${sha256}`).to.equal(undefined)
    }
    expect(manifestFrom({...values, bytes: '0'})).to.include({bytes: 0})
  })

  describe('dataPath', function () {
    it('is /<project>/<service>/<folder>/<item><extension>, a relative host path one step', function () {
      expect(dataPath({project: 'shop', service: 'db', folder: 'mysql', item: 'all-databases'}, '.sql')).to.equal('/shop/db/mysql/all-databases.sql')
      expect(dataPath({project: 'shop', service: 'web', folder: 'bind_mounts', item: './data/www'}, '.tar')).to.equal('/shop/web/bind_mounts/data%2Fwww.tar')
    })

    it('never has an empty, `.` or `..` step, nor one that leaves its folder', function () {
      const names = ['.', '..', './..', './.', '', './', '...', '../..', '../x', '.hidden', 'a/../..', '/']
      for (const name of names) {
        for (const identity of [
          {project: name, service: 's', folder: 'f', item: 'i'},
          {project: 'p', service: name, folder: 'f', item: 'i'},
          {project: 'p', service: 's', folder: name, item: 'i'},
          {project: 'p', service: 's', folder: 'f', item: name},
        ]) {
          const file = dataPath(identity, '')
          const steps = file.split('/')
          expect(steps[0], file).to.equal('')
          expect(steps, file).to.have.length(5)
          for (const step of steps.slice(1)) expect(step, `${JSON.stringify(name)}: ${file}`).to.not.be.oneOf(['', '.', '..'])
        }
      }
    })

    it('tells different names apart', function () {
      const items = ['.', '..', '%2E', '%', '', 'a/b', 'a%2Fb', 'a b', 'a%20b']
      const paths = items.map((item) => dataPath({project: 'p', service: 's', folder: 'f', item}, '.tar'))
      expect(new Set(paths).size).to.equal(items.length)
    })
  })
})
