import {expect} from 'chai'
import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {acquireLock} from '../../../src/target/lock.js'
import {encodeName, itemDirectory} from '../../../src/target/layout.js'
import {listVersions} from '../../../src/target/list.js'
import {writeVersion} from '../../../src/target/write-version.js'
import {MANIFEST_SOURCE, useTempDir} from '../../support/temp-dir.js'

describe('listVersions', () => {
  const tmp = useTempDir()

  async function backup(service: string, folder: string, item: string, text: string) {
    return writeVersion({
      itemDir: itemDirectory(tmp(), service, folder, item), item: encodeName(item), extension: '.tar.gz',
      manifest: {...MANIFEST_SOURCE, service, item}, write: async (out) => void out.end(text),
    })
  }

  it('lists items sorted by service, folder and item with decoded names and their versions', async () => {
    await backup('web', 'named_volumes', 'static', 'a')
    await backup('db', 'bind_mounts', '/srv/data', 'b1')
    const newest = await backup('db', 'bind_mounts', '/srv/data', 'b2')
    await backup('db', 'bind_mounts', './conf', 'c')
    const release = await acquireLock(tmp()) // the lock file must not show up

    const listing = await listVersions(tmp())
    await release()
    expect(listing.map((l) => [l.service, l.folder, l.item])).to.deep.equal([
      ['db', 'bind_mounts', '/srv/data'],
      ['db', 'bind_mounts', 'conf'],
      ['web', 'named_volumes', 'static'],
    ])
    const data = listing[0]
    expect(data.dir).to.equal(itemDirectory(tmp(), 'db', 'bind_mounts', '/srv/data'))
    expect(data.versions.map((v) => v.number)).to.deep.equal([1, 2])
    expect(data.versions[0]).to.deep.include({number: 1, dir: newest.dir, file: newest.file, bytes: 2, sha256: newest.sha256, created: newest.created})
    expect(data.versions[0].error).to.equal(undefined)
    expect(data.error).to.equal(undefined)
  })

  it('filters by service', async () => {
    await backup('web', 'named_volumes', 'static', 'a')
    await backup('db', 'bind_mounts', 'data', 'b')
    expect((await listVersions(tmp(), {service: 'db'})).map((l) => l.service)).to.deep.equal(['db'])
    expect(await listVersions(tmp(), {service: 'nope'})).to.deep.equal([])
  })

  it('lists a version with a missing or broken manifest with an error instead of skipping it', async () => {
    const dir = itemDirectory(tmp(), 'db', 'bind_mounts', 'data')
    await mkdir(join(dir, 'data.1'), {recursive: true})
    await mkdir(join(dir, 'data.2'))
    await writeFile(join(dir, 'data.2', 'manifest.json'), '{"file": "../../etc/passwd"')
    await mkdir(join(dir, 'data.3'))
    await writeFile(join(dir, 'data.3', 'manifest.json'), '{"file": "../x", "bytes": 1, "sha256": "ab", "created": "t"}')
    await mkdir(join(dir, '.tmp-data-1-2'))
    await writeFile(join(dir, 'notes.txt'), 'foreign')

    const [listing] = await listVersions(tmp())
    expect(listing.versions.map((v) => v.number)).to.deep.equal([1, 2, 3])
    expect(listing.versions[0].error).to.match(/manifest\.json unreadable/)
    expect(listing.versions[1].error).to.match(/manifest\.json unreadable/)
    expect(listing.versions[2].error).to.match(/lacks a valid file/)
    expect(listing.versions[2].file).to.equal(undefined)
  })

  it('returns nothing for a missing target and flags folder names backupbot did not write', async () => {
    expect(await listVersions(join(tmp(), 'missing'))).to.deep.equal([])
    await mkdir(join(tmp(), 'db', 'bind_mounts', 'my data'), {recursive: true})
    const [listing] = await listVersions(tmp())
    expect(listing.item).to.equal('my data')
    expect(listing.error).to.match(/not a backupbot folder name/)
  })
})
