import {expect} from 'chai'
import {mkdir, readFile, readdir, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import type {Writable} from 'node:stream'
import {createHash} from 'node:crypto'

import {UsageError} from '../../../src/errors.js'
import {digestFile} from '../../../src/target/checksum.js'
import {encodeName} from '../../../src/target/layout.js'
import {prune, rotate} from '../../../src/target/rotate.js'
import {writeVersion} from '../../../src/target/write-version.js'
import {MANIFEST_SOURCE, readJson, sortedEntries, useTempDir} from '../../support/temp-dir.js'

/** A `write` that writes `text` and ends the stream. */
const writing = (text: string) => async (out: Writable) => {
  out.end(text)
}

describe('writeVersion', () => {
  const tmp = useTempDir()
  const itemDir = () => join(tmp(), 'db', 'bind_mounts', 'data')
  const write = (text: string, keep?: number) =>
    writeVersion({itemDir: itemDir(), item: 'data', extension: '.tar.gz', manifest: MANIFEST_SOURCE, retention: keep === undefined ? undefined : {last: keep}, write: writing(text)})
  const content = (n: number) => readFile(join(itemDir(), `data.${n}`, 'data.tar.gz'), 'utf8')

  it('writes three versions as .1 .2 .3 with the newest first and correct manifests', async () => {
    await write('first')
    await write('second')
    const info = await write('third')

    expect(await sortedEntries(itemDir())).to.deep.equal(['data.1', 'data.2', 'data.3'])
    expect([await content(1), await content(2), await content(3)]).to.deep.equal(['third', 'second', 'first'])
    expect(await sortedEntries(join(itemDir(), 'data.1'))).to.deep.equal(['data.tar.gz', 'manifest.json'])

    const sha = createHash('sha256').update('third').digest('hex')
    expect(info).to.deep.include({number: 1, dir: join(itemDir(), 'data.1'), file: join(itemDir(), 'data.1', 'data.tar.gz'), bytes: 5, sha256: sha})
    expect(new Date(info.created).toISOString()).to.equal(info.created)
    const manifest = await readJson(join(itemDir(), 'data.1', 'manifest.json'))
    expect(manifest).to.deep.equal({...MANIFEST_SOURCE, file: 'data.tar.gz', bytes: 5, sha256: sha, created: info.created, format: 1})
    expect((await digestFile(info.file)).sha256).to.equal(sha)
    expect((await readJson(join(itemDir(), 'data.3', 'manifest.json'))).sha256).to.equal(createHash('sha256').update('first').digest('hex'))
  })

  it('keeps only the newest versions when keep is set', async () => {
    for (const text of ['one', 'two', 'three', 'four']) await write(text, 2)
    expect(await sortedEntries(itemDir())).to.deep.equal(['data.1', 'data.2'])
    expect([await content(1), await content(2)]).to.deep.equal(['four', 'three'])
  })

  it('streams a large artifact written in many chunks with backpressure', async () => {
    const chunk = Buffer.alloc(64 * 1024, 7)
    const hash = createHash('sha256')
    const info = await writeVersion({
      itemDir: itemDir(), item: 'data', extension: '.bin', manifest: MANIFEST_SOURCE,
      async write(out) {
        for (let i = 0; i < 200; i++) {
          hash.update(chunk)
          if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve))
        }
        // Not ending `out` is allowed: writeVersion ends it.
      },
    })
    expect(info.bytes).to.equal(200 * chunk.length)
    expect(info.sha256).to.equal(hash.digest('hex'))
    expect((await stat(info.file)).size).to.equal(info.bytes)
  })

  it('leaves no new version and earlier versions untouched when write rejects', async () => {
    await write('first')
    await write('second')
    const failing = writeVersion({
      itemDir: itemDir(), item: 'data', extension: '.tar.gz', manifest: MANIFEST_SOURCE,
      async write(out) {
        out.write('partial data')
        throw new Error('scheme failed')
      },
    })
    await expectRejection(failing, /scheme failed/)
    expect(await sortedEntries(itemDir())).to.deep.equal(['data.1', 'data.2'])
    expect([await content(1), await content(2)]).to.deep.equal(['second', 'first'])
  })

  it('leaves no new version when the artifact stream is destroyed with an error', async () => {
    await write('first')
    const failing = writeVersion({
      itemDir: itemDir(), item: 'data', extension: '.tar.gz', manifest: MANIFEST_SOURCE,
      async write(out) {
        out.write('partial')
        out.destroy(new Error('interrupted'))
        await new Promise((resolve) => setTimeout(resolve, 10))
      },
    })
    await expectRejection(failing, /interrupted/)
    expect(await sortedEntries(itemDir())).to.deep.equal(['data.1'])
    expect(await content(1)).to.equal('first')
  })

  it('cleans temp and trash leftovers, settles a complete .0 and closes gaps on the next write', async () => {
    await mkdir(itemDir(), {recursive: true})
    for (const [n, text] of [[0, 'was-newest'], [2, 'middle'], [5, 'oldest']] as const) {
      await mkdir(join(itemDir(), `data.${n}`))
      await writeFile(join(itemDir(), `data.${n}`, 'data.tar.gz'), text)
    }
    await mkdir(join(itemDir(), '.tmp-data-123-abc'))
    await writeFile(join(itemDir(), '.tmp-data-123-abc', 'data.tar.gz'), 'partial')
    await mkdir(join(itemDir(), '.trash-data-123-def'))

    await write('new')
    expect(await sortedEntries(itemDir())).to.deep.equal(['data.1', 'data.2', 'data.3', 'data.4'])
    expect(await Promise.all([1, 2, 3, 4].map(content))).to.deep.equal(['new', 'was-newest', 'middle', 'oldest'])
  })

  it('never touches foreign entries in the item folder', async () => {
    await mkdir(itemDir(), {recursive: true})
    const foreign = ['notes.txt', 'data.01', 'data.x', 'data.1.bak', 'other.1', 'data', '.tmp-other-1-2']
    for (const name of foreign) await writeFile(join(itemDir(), name), `foreign ${name}`)
    await write('one')
    await write('two', 1)
    for (const name of foreign) expect(await readFile(join(itemDir(), name), 'utf8')).to.equal(`foreign ${name}`)
    expect(await sortedEntries(itemDir())).to.deep.equal([...foreign, 'data.1'].sort())
    expect(await content(1)).to.equal('two')
  })

  it('fails loudly instead of renaming onto a foreign file that holds a version name', async () => {
    await write('one')
    await writeFile(join(itemDir(), 'data.2'), 'foreign file')
    await expectRejection(write('two'), /refusing to overwrite .*data\.2/)
    expect(await readFile(join(itemDir(), 'data.2'), 'utf8')).to.equal('foreign file')
    // The new version is complete and kept as .0; the old one is intact.
    expect(await content(0)).to.equal('two')
    expect(await content(1)).to.equal('one')
  })

  it('encodes item names in file names and rejects unencoded names or bad options', async () => {
    const name = encodeName('/srv/my data')
    const dir = join(tmp(), 'svc', 'bind_mounts', name)
    const info = await writeVersion({itemDir: dir, item: name, extension: '.tar.gz', manifest: MANIFEST_SOURCE, write: writing('x')})
    expect(info.file).to.equal(join(dir, '+srv+my%20data.1', '+srv+my%20data.tar.gz'))
    await expectRejection(writeVersion({itemDir: dir, item: 'a/b', extension: '', manifest: MANIFEST_SOURCE, write: writing('x')}), UsageError)
    await expectRejection(writeVersion({itemDir: dir, item: name, extension: '/../x', manifest: MANIFEST_SOURCE, write: writing('x')}), UsageError)
    await expectRejection(writeVersion({itemDir: dir, item: name, extension: '', manifest: MANIFEST_SOURCE, retention: {last: -1}, write: writing('x')}), UsageError)
  })
})

describe('rotate and prune', () => {
  const tmp = useTempDir()

  it('rotate renumbers gaps densely in order, and prune keeps what the policy keeps and renumbers', async () => {
    for (const [n, day] of [[3, 9], [7, 8], [9, 7]]) {
      await mkdir(join(tmp(), `item.${n}`))
      await writeFile(join(tmp(), `item.${n}`, 'mark'), String(n))
      await writeFile(join(tmp(), `item.${n}`, 'manifest.json'), JSON.stringify({created: new Date(2024, 0, day!).toISOString(), file: 'x', bytes: 1, sha256: 'ab'}))
    }
    await rotate(tmp(), 'item')
    expect(await sortedEntries(tmp())).to.deep.equal(['item.1', 'item.2', 'item.3'])
    const pruned = await prune(tmp(), 'item', {last: 2})
    expect(pruned.removed.map((v) => v.created)).to.deep.equal([new Date(2024, 0, 7).toISOString()])
    expect(await sortedEntries(tmp())).to.deep.equal(['item.1', 'item.2'])
    expect(await readFile(join(tmp(), 'item.1', 'mark'), 'utf8')).to.equal('3')
    expect(await readFile(join(tmp(), 'item.2', 'mark'), 'utf8')).to.equal('7')
    expect(await readdir(tmp())).to.have.length(2)
  })
})

async function expectRejection(promise: Promise<unknown>, match: RegExp | (new (...args: any[]) => Error)): Promise<void> {
  try {
    await promise
  } catch (error) {
    if (match instanceof RegExp) expect((error as Error).message).to.match(match)
    else expect(error).to.be.instanceOf(match)
    return
  }
  expect.fail('expected a rejection')
}
