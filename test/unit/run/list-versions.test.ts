// listBackups over a store several machines share (--all-hosts) and over the local tree, which
// holds one machine's backups and refuses it; and how the text rendering names host and project.
import {expect} from 'chai'
import {join} from 'node:path'

import {UsageError} from '../../../src/errors.js'
import {renderListing} from '../../../src/render/list-versions.js'
import {listBackups, type ListVersionsRequest} from '../../../src/run/list-versions.js'
import {runBackup} from '../../../src/run/run-backup.js'
import type {ItemListing} from '../../../src/store.js'
import {recordingLogger} from '../../../src/testing/index.js'
import {sharedKind} from '../../support/fake-stores.js'
import {SecretMasker, stores} from '../../support/fakes.js'
import {located, runInput, scheme, useTempDir, writes} from '../../support/run-fakes.js'

describe('listBackups', function () {
  const dir = useTempDir('backupbot-list-')
  let shared: ReturnType<typeof sharedKind>
  const request = (target: string, extra: Partial<ListVersionsRequest> = {}): ListVersionsRequest => ({
    target,
    cwd: dir(),
    stores: stores(shared.definition),
    log: recordingLogger(),
    env: {},
    masker: new SecretMasker(),
    ...extra,
  })

  beforeEach(async function () {
    shared = sharedKind(dir())
    const item = located(join(dir(), 'tree'), 'data', 'backup_plain')
    expect((await runBackup(runInput(join(dir(), 'tree'), [item], [scheme('backup_plain', writes('data'))]))).ok).to.equal(true)
  })

  it("asks a shared store for every machine's items with --all-hosts, and returns them with host and project", async function () {
    const result = await listBackups(request('shared:tree', {allHosts: true, service: 'db'}))
    expect(shared.opened[0]!.lists).to.deep.equal([{service: 'db', allHosts: true}])
    expect(result.items.map((i) => [i.host, i.project, i.item])).to.deep.equal([['nas', 'shop', 'data']])
  })

  it("asks a shared store for this machine's items without --all-hosts", async function () {
    await listBackups(request('shared:tree'))
    expect(shared.opened[0]!.lists).to.deep.equal([{service: undefined}])
  })

  it("refuses --all-hosts with exit 2 for the local tree, which holds one machine's backups", async function () {
    const refused = await listBackups(request('tree', {allHosts: true})).catch((error: UsageError) => error)
    expect(refused).to.be.instanceOf(UsageError)
    expect((refused as UsageError).exitCode).to.equal(2)
    expect((refused as UsageError).message).to.equal(
      `--all-hosts is for a store that several machines share (restic:<repo>), but the local tree ${join(dir(), 'tree')} holds one machine's backups`,
    )
  })
})

describe('renderListing', function () {
  const item = (extra: Partial<ItemListing> = {}): ItemListing => ({
    service: 'app',
    folder: 'bind_mounts',
    item: 'data',
    dir: 'snapshots of data',
    versions: [{number: 1, dir: 'abc123', created: '2024-05-01T10:00:00.000Z', bytes: 42, sha256: 'f'.repeat(64)}],
    ...extra,
  })

  it('names the item by service, folder and name in the local tree', function () {
    expect(renderListing([item()]).split('\n')[0]).to.equal('app/bind_mounts/data')
  })

  it('puts the project first when the store records it', function () {
    expect(renderListing([item({project: 'shop', host: 'nas'})]).split('\n')[0]).to.equal('shop/app/bind_mounts/data')
  })

  it('names the machine that wrote the item with --all-hosts', function () {
    const text = renderListing([item({project: 'shop', host: 'nas'}), item({project: 'shop', host: 'web-1'})], {allHosts: true})
    expect(text.split('\n').filter((l) => !l.startsWith(' '))).to.deep.equal(['nas: shop/app/bind_mounts/data', 'web-1: shop/app/bind_mounts/data'])
  })
})
