// backup --target A --target B: each item read once and written to every store; an item is ok
// only when every store has it, and a store that fails does not take the others down.
import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {Writable} from 'node:stream'
import {gunzipSync} from 'node:zlib'

import {runBackup} from '../../../src/run/run-backup.js'
import type {Store} from '../../../src/store.js'
import {LocalStore} from '../../../src/target/local-store.js'
import {entries, located, runInput, scheme, useTempDir, writes} from '../../support/run-fakes.js'

/** A local store whose artifact stream fails after `limit` bytes, as a full disk does. */
class FullDisk extends LocalStore {
  constructor(
    location: string,
    private readonly limit: number,
  ) {
    super(location)
  }

  override write(...[key, version, write]: Parameters<Store['write']>) {
    return super.write(key, version, (out) => {
      let seen = 0
      const full = new Writable({
        write: (chunk: Buffer, _encoding, callback) => {
          seen += chunk.length
          if (seen > this.limit) return callback(Object.assign(new Error('ENOSPC: no space left on device'), {code: 'ENOSPC'}))
          out.write(chunk, callback)
        },
        final: (callback) => out.end(callback),
      })
      return write(full)
    })
  }
}

/** A store that takes the data as the scheme wrote it (as restic will). */
class Raw extends LocalStore {
  override readonly wantsCompressed = false
}

describe('backing up to several targets', function () {
  const base = useTempDir()
  const data = Buffer.concat([randomBytes(200 * 1024), Buffer.from('end\n')])

  it('reads the item once and writes the same data to every store, each under its own lock', async function () {
    let reads = 0
    const produce = writes(data, 16 * 1024)
    const counting = scheme('backup_dump', async (ctx, item, out) => {
      reads++
      await produce(ctx, item, out)
    })
    const [a, b] = [join(base(), 'a'), join(base(), 'b')]
    const item = located(a, 'shop', 'backup_dump', {extension: '.sql', compress: true})
    const result = await runBackup(runInput(a, [item], [counting], {stores: [new LocalStore(a), new LocalStore(b)]}))

    expect(reads).to.equal(1)
    expect(result).to.deep.include({ok: true, target: a, targets: [a, b]})
    const [only] = result.items
    expect(only!.status).to.equal('ok')
    expect(only!.stores!.map((s) => [s.target, s.status])).to.deep.equal([
      [a, 'ok'],
      [b, 'ok'],
    ])
    for (const store of only!.stores!) expect(gunzipSync(await readFile(store.file!)).equals(data)).to.equal(true)
    expect(only!.file).to.equal(only!.stores![0]!.file)
  })

  it('gives a store that compresses itself the data as the scheme wrote it, and the local tree gzip', async function () {
    const [a, b] = [join(base(), 'local'), join(base(), 'raw')]
    const item = located(a, 'shop', 'backup_dump', {extension: '.sql', compress: true})
    const result = await runBackup(runInput(a, [item], [scheme('backup_dump', writes(data))], {stores: [new LocalStore(a), new Raw(b)]}))
    const [local, raw] = result.items[0]!.stores!
    expect(local!.file!.endsWith('shop.sql.gz')).to.equal(true)
    expect(raw!.file!.endsWith('shop.sql')).to.equal(true)
    expect((await readFile(raw!.file!)).equals(data)).to.equal(true)
  })

  it('fails the item when one store fails, names it, and keeps the version the other store completed', async function () {
    const [full, good] = [join(base(), 'full'), join(base(), 'good')]
    const item = located(good, 'shop', 'backup_dump', {extension: '.sql', compress: false})
    const result = await runBackup(runInput(good, [item], [scheme('backup_dump', writes(data, 8 * 1024))], {stores: [new FullDisk(full, 50_000), new LocalStore(good)]}))

    expect(result.ok).to.equal(false)
    const [only] = result.items
    expect(only!.status).to.equal('failed')
    expect(only!.error).to.equal(`${full}: ENOSPC: no space left on device`)
    expect(only!.stores!.map((s) => s.status)).to.deep.equal(['failed', 'ok'])
    expect((await readFile(only!.stores![1]!.file!)).equals(data)).to.equal(true)
    // Nothing half-written is left in the full store.
    expect(await entries(new LocalStore(full).where(item.key))).to.deep.equal([])
  })

  it('keeps no version anywhere when the scheme fails after its data ended (a dump whose exit code comes last)', async function () {
    const [a, b] = [join(base(), 'a'), join(base(), 'b')]
    const item = located(a, 'shop', 'backup_dump', {extension: '.sql', compress: true})
    const produce = writes(data, 8 * 1024)
    const failsLate = scheme('backup_dump', async (ctx, it, out) => {
      await produce(ctx, it, out)
      await new Promise((resolve) => setTimeout(resolve, 50))
      throw new Error('mariadb-dump failed (exit code 2)')
    })
    for (const stores of [[new LocalStore(a)], [new LocalStore(a), new LocalStore(b)]]) {
      const result = await runBackup(runInput(a, [item], [failsLate], {stores}))
      expect(result.items[0]!.status).to.equal('failed')
      expect(result.items[0]!.error).to.contain('mariadb-dump failed (exit code 2)')
      for (const root of [a, b]) expect(await entries(new LocalStore(root).where(item.key)).catch(() => [])).to.deep.equal([])
    }
  })

  it('keeps no version anywhere when the scheme fails', async function () {
    const [a, b] = [join(base(), 'a'), join(base(), 'b')]
    const item = located(a, 'shop', 'backup_dump', {extension: '.sql', compress: true})
    const failing = scheme('backup_dump', async (_ctx, _item, out) => {
      out.write('-- half a dump\n')
      throw new Error('mariadb-dump failed (exit code 2)')
    })
    const result = await runBackup(runInput(a, [item], [failing], {stores: [new LocalStore(a), new LocalStore(b)]}))
    expect(result.items[0]).to.deep.include({status: 'failed'})
    expect(result.items[0]!.error).to.contain('mariadb-dump failed (exit code 2)')
    for (const root of [a, b]) expect(await entries(new LocalStore(root).where(item.key))).to.deep.equal([])
  })
})
