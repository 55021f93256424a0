// backup --target A --target B: each item read once and written to every store; an item is ok
// only when every store has it, and a store that fails does not take the others down.
import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {Writable} from 'node:stream'
import {buffer} from 'node:stream/consumers'
import {gunzipSync} from 'node:zlib'

import {openDecompressed} from '../../../src/archive/compression.js'
import {LockedError, UsageError} from '../../../src/errors.js'
import {runBackup} from '../../../src/run/run-backup.js'
import type {Store} from '../../../src/store.js'
import {LocalStore} from '../../../src/target/local-store.js'
import {LOCK_FILE} from '../../../src/target/lock.js'
import {UnreachableStore} from '../../support/fake-stores.js'
import {SecretMasker, quietLogger} from '../../support/fakes.js'
import {contexts, entries, located, runInput, scheme, useTempDir, writes} from '../../support/run-fakes.js'

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

  it('gives a store that compresses itself the data as the scheme wrote it also when zstd is chosen, and the local tree zstd', async function () {
    const [a, b] = [join(base(), 'local'), join(base(), 'raw')]
    const item = located(a, 'shop', 'backup_dump', {extension: '.sql', compress: true, compression: 'zstd'})
    const result = await runBackup(runInput(a, [item], [scheme('backup_dump', writes(data))], {stores: [new LocalStore(a), new Raw(b)]}))
    const [local, raw] = result.items[0]!.stores!
    expect(local!.file!.endsWith('shop.sql.zst')).to.equal(true)
    expect((await buffer(openDecompressed(local!.file!))).equals(data)).to.equal(true)
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

  describe('a target that cannot be reached', function () {
    /** Counts how often the scheme reads the item. */
    function counting() {
      const read = {count: 0}
      const produce = writes(data, 16 * 1024)
      const definition = scheme('backup_dump', async (ctx, item, out) => {
        read.count++
        await produce(ctx, item, out)
      })
      return {read, definition}
    }

    it('fails every item there, said once, while the other target gets every item, read once', async function () {
      const [remote, local] = [join(base(), 'remote'), join(base(), 'local')]
      const masker = new SecretMasker()
      masker.add('s3cret')
      const down = new UnreachableStore(remote, new Error('connect ECONNREFUSED 192.0.2.1:8000 (password s3cret)'))
      const items = ['shop', 'blog'].map((name) => located(local, name, 'backup_dump', {extension: '.sql', compress: true}))
      const {read, definition} = counting()
      const log = quietLogger()
      const context = contexts()
      const result = await runBackup(runInput(local, items, [definition], {stores: [down, new LocalStore(local)], masker, log, context}))

      expect(result.ok).to.equal(false)
      expect(result.targets).to.deep.equal([remote, local])
      expect(read.count).to.equal(2)
      expect(down.writes).to.equal(0)
      for (const [i, item] of result.items.entries()) {
        expect(item.status).to.equal('failed')
        expect(item.error).to.equal(`${remote}: connect ECONNREFUSED 192.0.2.1:8000 (password ***)`)
        expect(item.stores!.map((s) => [s.target, s.status, s.error])).to.deep.equal([
          [remote, 'failed', 'connect ECONNREFUSED 192.0.2.1:8000 (password ***)'],
          [local, 'ok', undefined],
        ])
        expect(gunzipSync(await readFile(item.stores![1]!.file!)).equals(data)).to.equal(true)
        // The item's own file is the one the first target would have had: here, the target that has it.
        expect([item.file, item.bytes]).to.deep.equal([item.stores![1]!.file, item.stores![1]!.bytes])
        expect(await entries(new LocalStore(local).where(items[i]!.key))).to.deep.equal([`${items[i]!.name}.1`])
        // Each item names the store; the error itself was said once, when the run started.
        expect(context.made[i]!.lines.filter((l) => l.startsWith('warn: '))).to.deep.equal([`warn: db: things/${items[i]!.name} failed: ${remote}: cannot be reached`])
      }
      expect(log.lines).to.deep.equal([`warning: ${remote} cannot be reached: connect ECONNREFUSED 192.0.2.1:8000 (password ***); every item fails there, the other targets still get it`])
      expect(existsSync(join(local, LOCK_FILE))).to.equal(false)
    })

    it('stops the run when every target is unreachable, with the first error, reading nothing', async function () {
      const first = new Error('no route to host')
      const stores = [new UnreachableStore(join(base(), 'a'), first), new UnreachableStore(join(base(), 'b'), new Error('timeout'))]
      const {read, definition} = counting()
      const error = await runBackup(runInput(base(), [located(base(), 'shop', 'backup_dump')], [definition], {stores})).catch((e: unknown) => e)
      expect(error).to.equal(first)
      expect(read.count).to.equal(0)
    })

    for (const refusal of [new UsageError('restic: the repository does not exist'), new LockedError('the repository is locked by another backupbot')]) {
      it(`stops the run before anything is read when a target refuses it with exit ${refusal.exitCode}, releasing the locks taken`, async function () {
        const [good, refusing] = [join(base(), 'good'), join(base(), 'refusing')]
        const {read, definition} = counting()
        const item = located(good, 'shop', 'backup_dump')
        const error = await runBackup(runInput(good, [item], [definition], {stores: [new LocalStore(good), new UnreachableStore(refusing, refusal)]})).catch((e: unknown) => e)
        expect(error).to.equal(refusal)
        expect(read.count).to.equal(0)
        expect(existsSync(item.itemDir)).to.equal(false)
        expect(existsSync(join(good, LOCK_FILE))).to.equal(false)
      })
    }

    it("also takes a refusal with exit 2 from a plugin that does not use the core's error classes", async function () {
      const refusal = Object.assign(new Error('restic: wrong password or no key found'), {exitCode: 2})
      const {read, definition} = counting()
      const stores = [new UnreachableStore(join(base(), 'down'), new Error('network is down')), new UnreachableStore(join(base(), 'refusing'), refusal), new LocalStore(base())]
      const error = await runBackup(runInput(base(), [located(base(), 'shop', 'backup_dump')], [definition], {stores})).catch((e: unknown) => e)
      expect(error).to.equal(refusal)
      expect(read.count).to.equal(0)
    })
  })
})
