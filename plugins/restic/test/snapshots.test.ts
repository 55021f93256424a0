import {expect} from 'chai'

import {itemsOf, orphans, type Snapshot} from '../src/snapshots.js'
import {MARK} from '../src/tags.js'
import {data, ITEM, manifest, snapshot} from './fixtures.js'

const where = (s: Snapshot) => `repo snapshot ${s.short_id}`

describe('restic store: snapshots into items and versions', function () {
  it('pairs each manifest with the data snapshot of its write id on its own host', function () {
    // Two hosts that (improbably) drew the same write id.
    const snapshots = [
      data(ITEM, 'w1', '2024-05-01T10:00:00Z', {host: 'beta'}),
      data(ITEM, 'w1', '2024-05-01T10:00:00Z', {host: 'alpha'}),
      manifest(ITEM, 'w1', '2024-05-01T10:00:01Z', {host: 'alpha', sha: 'a'}),
      manifest(ITEM, 'w1', '2024-05-01T10:00:01Z', {host: 'beta', sha: 'b'}),
    ]
    const items = itemsOf(snapshots, where)
    expect(items.map((i) => i.host)).to.deep.equal(['alpha', 'beta'])
    const [alpha, beta] = items
    expect(alpha!.versions[0]).to.deep.include({number: 1, snapshot: snapshots[1]!.id, sha256: 'a'.repeat(64), dir: where(snapshots[1]!)})
    expect(beta!.versions[0]).to.deep.include({number: 1, snapshot: snapshots[0]!.id, sha256: 'b'.repeat(64)})
    expect(alpha).to.deep.include({project: 'shop', service: 'db', folder: 'mysql', item: 'all-databases', identity: ITEM})
  })

  it('gives a version what open needs: the data snapshot, the path and the manifest', function () {
    const d = data(ITEM, 'w1', '2024-05-01T10:00:00Z')
    const [item] = itemsOf([d, manifest(ITEM, 'w1', '2024-05-01T10:00:01Z')], where)
    const [version] = item!.versions
    expect(version).to.deep.include({
      snapshot: d.id,
      path: '/shop/db/mysql/all-databases.sql',
      file: `${d.short_id}:/shop/db/mysql/all-databases.sql`,
      bytes: 100,
      created: '2024-05-01T10:00:01Z',
      write: 'w1',
      host: 'alpha',
    })
    expect(version!.manifest).to.include({scheme: 'backup_mysql', item: 'all-databases', bytes: 100})
    expect(version!.error).to.equal(undefined)
  })

  it('numbers versions newest first by the time of their manifest snapshot, in any time zone', function () {
    const snapshots = [
      // Committed 10:00 UTC, written as restic prints a local time.
      manifest(ITEM, 'w2', '2024-05-01T12:00:00.123456789+02:00'),
      manifest(ITEM, 'w1', '2024-05-01T09:00:00.5Z'),
      manifest(ITEM, 'w3', '2024-05-01T10:30:00Z'),
      // The data snapshots' times run the other way: they do not count.
      data(ITEM, 'w1', '2024-05-01T11:00:00Z'),
      data(ITEM, 'w2', '2024-05-01T10:00:00Z'),
      data(ITEM, 'w3', '2024-05-01T08:00:00Z'),
    ]
    const [item] = itemsOf(snapshots, where)
    expect(item!.versions.map((v) => [v.number, v.write])).to.deep.equal([
      [1, 'w3'],
      [2, 'w2'],
      [3, 'w1'],
    ])
  })

  it('lists a manifest whose data snapshot is gone, with an error and what the manifest says', function () {
    const m = manifest(ITEM, 'w1', '2024-05-01T10:00:00Z')
    const [item] = itemsOf([m, data(ITEM, 'w1', '2024-05-01T10:00:00Z', {host: 'beta'})], where)
    const [version] = item!.versions
    expect(version!.error).to.match(/data snapshot is gone/).and.include(m.short_id)
    expect(version).to.deep.include({number: 1, bytes: 100, sha256: 'a'.repeat(64), dir: where(m)})
    expect(version).to.not.have.any.keys('snapshot', 'file', 'path')
  })

  it('lists a manifest snapshot that lacks backupbot’s tags with an error', function () {
    const m = manifest(ITEM, 'w1', '2024-05-01T10:00:00Z')
    m.tags = m.tags!.filter((t) => !t.startsWith('bb-sha256='))
    const [item] = itemsOf([data(ITEM, 'w1', '2024-05-01T09:00:00Z'), m], where)
    expect(item!.versions[0]!.error).to.include(`manifest snapshot ${m.short_id} lacks backupbot's tags`)
    expect(item!.versions[0]!.manifest).to.equal(undefined)
  })

  it('never makes a version of data without a manifest, nor an item of it alone', function () {
    const snapshots = [
      data(ITEM, 'w1', '2024-05-01T10:00:00Z'),
      manifest(ITEM, 'w1', '2024-05-01T10:00:01Z'),
      data(ITEM, 'w2', '2024-05-01T11:00:00Z'),
      data({...ITEM, item: 'other'}, 'w3', '2024-05-01T11:00:00Z'),
    ]
    const items = itemsOf(snapshots, where)
    expect(items).to.have.length(1)
    expect(items[0]!.versions.map((v) => v.write)).to.deep.equal(['w1'])
  })

  it('passes over snapshots that are not backupbot’s', function () {
    const m = manifest(ITEM, 'w1', '2024-05-01T10:00:01Z')
    const foreign = [
      snapshot(null, '2024-05-01T10:00:00Z'),
      snapshot(['weekly'], '2024-05-01T10:00:00Z'),
      // bb- tags without the mark, and with the mark but no write id.
      {...m, id: 'f'.repeat(64), tags: m.tags!.filter((t) => t !== MARK)},
      {...m, id: 'd'.repeat(64), tags: m.tags!.filter((t) => !t.startsWith('bb-write='))},
    ]
    expect(itemsOf(foreign, where)).to.deep.equal([])
  })

  it('sorts items by host, project, service, folder and item', function () {
    const ids = [
      {host: 'beta', identity: {...ITEM, project: 'a'}},
      {host: 'alpha', identity: {...ITEM, service: 'web'}},
      {host: 'alpha', identity: {...ITEM, folder: 'b'}},
      {host: 'alpha', identity: {...ITEM, project: 'zoo'}},
      {host: 'alpha', identity: {...ITEM, item: 'a'}},
    ]
    const snapshots = ids.flatMap(({host, identity}, i) => [data(identity, `w${i}`, '2024-05-01T10:00:00Z', {host}), manifest(identity, `w${i}`, '2024-05-01T10:00:01Z', {host})])
    const order = itemsOf(snapshots, where).map((i) => [i.host, i.project, i.service, i.folder, i.item].join(' '))
    expect(order).to.deep.equal([
      'alpha shop db b all-databases',
      'alpha shop db mysql a',
      'alpha shop web mysql all-databases',
      'alpha zoo db mysql all-databases',
      'beta a db mysql all-databases',
    ])
  })

  describe('orphans', function () {
    it('are the data snapshots without a manifest of their write id on their host, with their pid', function () {
      const committed = data(ITEM, 'w1', '2024-05-01T10:00:00Z', {pid: 10})
      const interrupted = data(ITEM, 'w2', '2024-05-01T10:00:00Z', {pid: 11})
      // Committed on another host only: still an orphan here.
      const elsewhere = data(ITEM, 'w3', '2024-05-01T10:00:00Z', {pid: 12})
      const noPid = data(ITEM, 'w4', '2024-05-01T10:00:00Z')
      const oddPid = data(ITEM, 'w5', '2024-05-01T10:00:00Z', {pid: '12a'})
      const snapshots = [committed, manifest(ITEM, 'w1', '2024-05-01T10:00:01Z'), interrupted, elsewhere, manifest(ITEM, 'w3', '2024-05-01T10:00:01Z', {host: 'beta'}), noPid, oddPid]
      expect(orphans(snapshots)).to.deep.equal([{snapshot: interrupted, pid: 11}, {snapshot: elsewhere, pid: 12}, {snapshot: noPid}, {snapshot: oddPid}])
    })
  })
})
