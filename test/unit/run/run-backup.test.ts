// runBackup over hand-built plans, fake schemes and fake item contexts: what is stored, what the
// result says, failures and interrupts per item, the lock, --keep, downtime and settled().
import {expect} from 'chai'
import {createHash, randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {buffer} from 'node:stream/consumers'
import {gunzipSync} from 'node:zlib'

import {openDecompressed} from '../../../src/archive/compression.js'
import {LockedError} from '../../../src/errors.js'
import {runBackup} from '../../../src/run/run-backup.js'
import {LOCK_FILE} from '../../../src/target/lock.js'
import {SecretMasker} from '../../support/fakes.js'
import {contexts, entries, gate, located, runInput, scheme, useTempDir, writes} from '../../support/run-fakes.js'

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex')

describe('runBackup', function () {
  const target = useTempDir()

  describe('what is stored', function () {
    it('stores an item with compress: true as <stem><extension>.gz whose gunzipped content is exactly what the scheme wrote', async function () {
      // Large enough, and incompressible enough, for the compressor to work in several blocks.
      const data = Buffer.concat([randomBytes(300 * 1024), Buffer.from('x'.repeat(700 * 1024)), randomBytes(5)])
      const item = located(target(), 'data/x', 'backup_dump', {extension: '.sql', compress: true})
      const result = await runBackup(runInput(target(), [item], [scheme('backup_dump', writes(data, 64 * 1024))]))

      expect(result.items[0].status).to.equal('ok')
      expect(await entries(item.itemDir)).to.deep.equal(['data+x.1'])
      expect(await entries(join(item.itemDir, 'data+x.1'))).to.deep.equal(['data+x.sql.gz', 'manifest.json'])
      const stored = await readFile(join(item.itemDir, 'data+x.1', 'data+x.sql.gz'))
      expect(gunzipSync(stored).equals(data)).to.equal(true)
      const manifest = JSON.parse(await readFile(join(item.itemDir, 'data+x.1', 'manifest.json'), 'utf8'))
      expect(manifest).to.deep.include({file: 'data+x.sql.gz', bytes: stored.length, sha256: sha256(stored), scheme: 'backup_dump', item: 'data/x', backupbot: '9.9.9'})
    })

    it('stores an item whose compression is zstd as <stem><extension>.zst, which reads back as exactly what the scheme wrote', async function () {
      const data = Buffer.concat([randomBytes(300 * 1024), Buffer.from('x'.repeat(3 * 1024 * 1024)), randomBytes(5)])
      const item = located(target(), 'shop', 'backup_dump', {extension: '.sql', compress: true, compression: 'zstd'})
      const result = await runBackup(runInput(target(), [item], [scheme('backup_dump', writes(data, 64 * 1024))]))
      expect(result.items[0].status, result.items[0].error).to.equal('ok')
      const file = join(item.itemDir, 'shop.1', 'shop.sql.zst')
      expect(result.items[0].file).to.equal(file)
      const stored = await readFile(file)
      expect(stored.length).to.be.lessThan(data.length / 2)
      expect((await buffer(openDecompressed(file))).equals(data)).to.equal(true)
      expect(JSON.parse(await readFile(join(item.itemDir, 'shop.1', 'manifest.json'), 'utf8'))).to.deep.include({file: 'shop.sql.zst', bytes: stored.length, sha256: sha256(stored)})
    })

    it('stores an item whose compression is none as the scheme wrote it, under <stem><extension>', async function () {
      const item = located(target(), 'shop', 'backup_dump', {extension: '.sql', compress: true, compression: 'none'})
      const result = await runBackup(runInput(target(), [item], [scheme('backup_dump', writes('plain dump\n'))]))
      expect(result.items[0].file).to.equal(join(item.itemDir, 'shop.1', 'shop.sql'))
      expect(await readFile(result.items[0].file!, 'utf8')).to.equal('plain dump\n')
    })

    it('stores an item with compress: false exactly as the scheme wrote it, under <stem><extension>', async function () {
      const item = located(target(), 'notes', 'backup_plain', {extension: '.dump', compress: false})
      await runBackup(runInput(target(), [item], [scheme('backup_plain', writes('already compressed bytes'))]))
      expect(await entries(join(item.itemDir, 'notes.1'))).to.deep.equal(['manifest.json', 'notes.dump'])
      expect(await readFile(join(item.itemDir, 'notes.1', 'notes.dump'), 'utf8')).to.equal('already compressed bytes')
    })

    it('reports every item with its status, artifact file, bytes, a sha256 matching the file, and seconds', async function () {
      const a = located(target(), 'alpha', 'backup_plain')
      const b = located(target(), 'beta', 'backup_dump', {extension: '.sql', compress: true, source: 'database beta'})
      const result = await runBackup(runInput(target(), [a, b], [scheme('backup_plain', writes('alpha text')), scheme('backup_dump', writes('beta dump'))]))

      expect(result.ok).to.equal(true)
      expect(result.target).to.equal(target())
      expect(result).not.to.have.property('recovery')
      expect(result.items).to.have.length(2)
      const [first, second] = result.items
      expect(first).to.deep.include({project: 'proj', service: 'db', scheme: 'backup_plain', item: 'alpha', source: 'source of alpha', status: 'ok'})
      expect(first.file).to.equal(join(a.itemDir, 'alpha.1', 'alpha.txt'))
      expect(first.bytes).to.equal(Buffer.byteLength('alpha text'))
      expect(first.sha256).to.equal(sha256('alpha text'))
      expect(second).to.deep.include({scheme: 'backup_dump', item: 'beta', source: 'database beta', status: 'ok'})
      expect(second.file).to.equal(join(b.itemDir, 'beta.1', 'beta.sql.gz'))
      const stored = await readFile(second.file!)
      expect(second.bytes).to.equal(stored.length)
      expect(second.sha256).to.equal(sha256(stored))
      for (const item of result.items) {
        expect(item.seconds).to.be.a('number').and.to.be.at.least(0)
        expect(item).not.to.have.property('error')
        expect(item).not.to.have.property('downtimeSeconds')
      }
      // The result is what --json prints: plain JSON.
      expect(JSON.parse(JSON.stringify(result))).to.deep.equal(result)
    })

    it('is not ok when an earlier run could not start every container again, and says so', async function () {
      const recovery = {ok: false, started: [], failed: [{name: 'p_db_1', error: 'no such image'}], skipped: [], gone: []}
      const result = await runBackup(runInput(target(), [located(target(), 'a', 'backup_plain')], [scheme('backup_plain', writes('a'))], {recovery}))
      expect(result.items[0].status).to.equal('ok')
      expect(result.ok).to.equal(false)
      expect(result.recovery).to.deep.equal(recovery)
    })
  })

  describe('a failing item', function () {
    it('is reported failed with its message while the next item still succeeds, and ok is false', async function () {
      const bad = located(target(), 'bad', 'backup_failing', {compress: true})
      const good = located(target(), 'good', 'backup_plain')
      const failing = scheme('backup_failing', async (_ctx, _item, out) => {
        out.write('half of the data')
        throw new Error('the dump tool exited with 2')
      })
      const result = await runBackup(runInput(target(), [bad, good], [failing, scheme('backup_plain', writes('fine'))]))

      expect(result.ok).to.equal(false)
      expect(result.items.map((i) => [i.item, i.status])).to.deep.equal([['bad', 'failed'], ['good', 'ok']])
      expect(result.items[0].error).to.equal('the dump tool exited with 2')
      for (const key of ['file', 'bytes', 'sha256']) expect(result.items[0]).not.to.have.property(key)
      // No new version and no .tmp-* leftover; the next item's version is complete.
      expect(await entries(bad.itemDir)).to.deep.equal([])
      expect(await readFile(join(good.itemDir, 'good.1', 'good.txt'), 'utf8')).to.equal('fine')
    })

    it('leaves the earlier versions of the failed item untouched', async function () {
      const item = located(target(), 'data', 'backup_plain')
      await runBackup(runInput(target(), [item], [scheme('backup_plain', writes('first'))]))
      const failing = scheme('backup_plain', async (_ctx, _item, out) => {
        out.write('partial')
        throw new Error('boom')
      })
      const result = await runBackup(runInput(target(), [item], [failing]))
      expect(result.items[0].status).to.equal('failed')
      expect(await entries(item.itemDir)).to.deep.equal(['data.1'])
      expect(await readFile(join(item.itemDir, 'data.1', 'data.txt'), 'utf8')).to.equal('first')
    })

    it('never shows a secret registered in the masker in the item error or the log', async function () {
      const masker = new SecretMasker()
      masker.add('hunter2')
      const context = contexts()
      const failing = scheme('backup_db', async () => {
        throw new Error('mysqldump: access denied for password hunter2')
      })
      const result = await runBackup(runInput(target(), [located(target(), 'db', 'backup_db')], [failing], {masker, context}))
      expect(result.items[0].error).to.equal('mysqldump: access denied for password ***')
      expect(JSON.stringify(result)).not.to.contain('hunter2')
      expect(context.made[0].lines.join('\n')).not.to.contain('hunter2')
      expect(context.made[0].lines.some((l) => l.startsWith('warn: ') && l.includes('failed: mysqldump: access denied for password ***'))).to.equal(true)
    })
  })

  describe('interrupts', function () {
    it('reports interrupted and keeps no version when the signal aborts while the scheme writes', async function () {
      const item = located(target(), 'data', 'backup_slow', {compress: true})
      const context = contexts()
      const slow = scheme('backup_slow', async (_ctx, _item, out) => {
        out.write('some of it')
        // SIGINT arrives; this scheme does not even look at the signal and resolves.
        context.made[0].abort()
        await new Promise((resolve) => setTimeout(resolve, 10))
      })
      const result = await runBackup(runInput(target(), [item], [slow], {context}))
      expect(result.ok).to.equal(false)
      expect(result.items[0].status).to.equal('interrupted')
      for (const key of ['file', 'bytes', 'sha256']) expect(result.items[0]).not.to.have.property(key)
      expect(await entries(item.itemDir)).to.deep.equal([])
    })

    for (const [compress, compression] of [[false, 'gzip'], [true, 'gzip'], [true, 'zstd']] as const) {
      it(`ends the item as interrupted even when the scheme ignores the signal and never resolves (compress: ${compress}, ${compression})`, async function () {
        const item = located(target(), 'data', 'backup_stuck', {compress, compression})
        const next = located(target(), 'next', 'backup_plain')
        const context = contexts()
        const stuck = scheme('backup_stuck', async (_ctx, _item, out) => {
          out.write('a little')
          setTimeout(() => context.made[0].abort(), 10)
          await new Promise(() => {})
        })
        const result = await runBackup(runInput(target(), [item, next], [stuck, scheme('backup_plain', writes('n'))], {context}))
        expect(result.items.map((i) => i.status)).to.deep.equal(['interrupted', 'ok'])
        expect(await entries(item.itemDir)).to.deep.equal([])
        expect(existsSync(join(target(), LOCK_FILE))).to.equal(false)
      })
    }

    it('does not start an item whose signal is already aborted', async function () {
      let called = false
      const item = located(target(), 'data', 'backup_plain')
      const context = contexts({made: (_item, fake) => fake.abort()})
      const result = await runBackup(
        runInput(target(), [item], [scheme('backup_plain', async () => void (called = true))], {context}),
      )
      expect(called).to.equal(false)
      expect(result.items[0]).to.deep.include({status: 'interrupted', error: 'not started: backupbot was interrupted', seconds: 0})
      expect(existsSync(item.itemDir)).to.equal(false)
    })
  })

  describe('--keep', function () {
    it('keeps only the newest versions', async function () {
      const item = located(target(), 'data', 'backup_plain')
      for (const text of ['one', 'two', 'three']) {
        await runBackup(runInput(target(), [item], [scheme('backup_plain', writes(text))], {retention: {last: 2}}))
      }
      expect(await entries(item.itemDir)).to.deep.equal(['data.1', 'data.2'])
      expect(await readFile(join(item.itemDir, 'data.1', 'data.txt'), 'utf8')).to.equal('three')
      expect(await readFile(join(item.itemDir, 'data.2', 'data.txt'), 'utf8')).to.equal('two')
    })

    it('prunes only after the new version is complete: all old versions stay while writing and when the item fails', async function () {
      const item = located(target(), 'data', 'backup_plain')
      for (const text of ['one', 'two']) await runBackup(runInput(target(), [item], [scheme('backup_plain', writes(text))]))

      let seenWhileWriting: string[] = []
      const observing = scheme('backup_plain', async (_ctx, _item, out) => {
        seenWhileWriting = (await entries(item.itemDir)).filter((n) => !n.startsWith('.'))
        out.end('three')
      })
      await runBackup(runInput(target(), [item], [observing], {retention: {last: 1}}))
      expect(seenWhileWriting).to.deep.equal(['data.1', 'data.2'])
      expect(await entries(item.itemDir)).to.deep.equal(['data.1'])
      expect(await readFile(join(item.itemDir, 'data.1', 'data.txt'), 'utf8')).to.equal('three')

      await runBackup(runInput(target(), [item], [scheme('backup_plain', writes('four'))]))
      const failing = scheme('backup_plain', async () => {
        throw new Error('nope')
      })
      const result = await runBackup(runInput(target(), [item], [failing], {retention: {last: 1}}))
      expect(result.items[0].status).to.equal('failed')
      expect(await entries(item.itemDir)).to.deep.equal(['data.1', 'data.2'])
    })
  })

  describe('the target lock', function () {
    it('is held during the run: a second run on the same target fails with LockedError; it is released afterwards', async function () {
      const hold = gate()
      const started = gate()
      const item = located(target(), 'data', 'backup_slow')
      const slow = scheme('backup_slow', async (_ctx, _item, out) => {
        started.open()
        await hold.opened
        out.end('done')
      })
      const first = runBackup(runInput(target(), [item], [slow]))
      await started.opened
      expect(existsSync(join(target(), LOCK_FILE))).to.equal(true)

      let called = false
      const other = located(target(), 'other', 'backup_plain')
      const second = await runBackup(runInput(target(), [other], [scheme('backup_plain', async () => void (called = true))])).catch((e: unknown) => e)
      expect(second).to.be.instanceOf(LockedError)
      expect((second as Error).message).to.contain(LOCK_FILE)
      expect(called).to.equal(false)
      expect(existsSync(other.itemDir)).to.equal(false)

      hold.open()
      expect((await first).ok).to.equal(true)
      expect(existsSync(join(target(), LOCK_FILE))).to.equal(false)
      expect((await runBackup(runInput(target(), [other], [scheme('backup_plain', writes('x'))]))).ok).to.equal(true)
    })

    it('is released when the context factory throws', async function () {
      const context = () => {
        throw new Error('no engine')
      }
      const error = await runBackup(runInput(target(), [located(target(), 'a', 'backup_plain')], [scheme('backup_plain', writes('a'))], {context})).catch((e: Error) => e)
      expect((error as Error).message).to.equal('no engine')
      expect(existsSync(join(target(), LOCK_FILE))).to.equal(false)
    })
  })

  describe('item contexts', function () {
    it('reports downtimeSeconds, summed, for an item whose context calls onDowntime, and none for the others', async function () {
      const stopping = located(target(), 'stopping', 'backup_stops')
      const plain = located(target(), 'plain', 'backup_plain')
      const context = contexts({
        options: (_item, onDowntime) => ({
          docker: {
            containers: {
              async withStopped(_containers, work) {
                try {
                  return await work()
                } finally {
                  onDowntime(0.25)
                }
              },
            },
          },
        }),
      })
      const stops = scheme('backup_stops', async (ctx, _item, out) => {
        const containers = await ctx.docker.containers.ofService('db')
        await ctx.docker.containers.withStopped(containers, async () => void out.write('first part '))
        await ctx.docker.containers.withStopped(containers, async () => void out.end('second part'))
      })
      const result = await runBackup(runInput(target(), [stopping, plain], [stops, scheme('backup_plain', writes('p'))], {context}))
      expect(result.items[0]).to.deep.include({status: 'ok', downtimeSeconds: 0.5})
      expect(result.items[1]).not.to.have.property('downtimeSeconds')
    })

    it('reports the downtime of a failed item too', async function () {
      const context = contexts({options: (_item, onDowntime) => ({docker: {containers: {withStopped: async () => (onDowntime(1.5), Promise.reject(new Error('stop failed')))}}})})
      const failing = scheme('backup_stops', async (ctx) => {
        await ctx.docker.containers.withStopped([], async () => {})
      })
      const result = await runBackup(runInput(target(), [located(target(), 'a', 'backup_stops')], [failing], {context}))
      expect(result.items[0]).to.deep.include({status: 'failed', error: 'stop failed', downtimeSeconds: 1.5})
    })

    it("awaits each item's settled() before the next item starts, also after a failure", async function () {
      const events: string[] = []
      const context = contexts({
        async settled(item) {
          await new Promise((resolve) => setTimeout(resolve, 20))
          events.push(`settled ${item.name}`)
        },
      })
      const recording = (fail: boolean) =>
        scheme(fail ? 'backup_failing' : 'backup_plain', async (_ctx, item, out) => {
          events.push(`backup ${item.name}`)
          if (fail) throw new Error('broken')
          out.end(item.name)
        })
      const items = [located(target(), 'a', 'backup_failing'), located(target(), 'b', 'backup_plain'), located(target(), 'c', 'backup_plain')]
      const result = await runBackup(runInput(target(), items, [recording(true), recording(false)], {context}))
      expect(events).to.deep.equal(['backup a', 'settled a', 'backup b', 'settled b', 'backup c', 'settled c'])
      expect(result.items.map((i) => i.status)).to.deep.equal(['failed', 'ok', 'ok'])
    })

    it('gives the scheme the context made for its item, and the item with its data', async function () {
      const seen: Array<{item: string; data: unknown; project: string}> = []
      const context = contexts()
      const recording = scheme('backup_plain', async (ctx, item, out) => {
        seen.push({item: item.name, data: item.data, project: ctx.project.name})
        ctx.log.info(`hello from ${item.name}`)
        out.end()
      })
      const items = [located(target(), 'a', 'backup_plain', {data: {n: 1}}), located(target(), 'b', 'backup_plain', {data: {n: 2}})]
      await runBackup(runInput(target(), items, [recording], {context}))
      expect(seen).to.deep.equal([
        {item: 'a', data: {n: 1}, project: 'p'},
        {item: 'b', data: {n: 2}, project: 'p'},
      ])
      expect(context.made.map((m) => m.item)).to.deep.equal(['a', 'b'])
      expect(context.made[1].lines).to.include('info: hello from b')
      expect(context.made[0].lines.join('\n')).not.to.contain('hello from b')
    })
  })
})
