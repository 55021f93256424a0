import {expect} from 'chai'
import {Readable} from 'node:stream'

import type {StoredArtifact} from 'backupbot'

import {postgresScheme as scheme} from '../src/index.js'

const artifact = (file = 'shop.sql.gz', manifest: Record<string, unknown> = {item: 'shop'}): StoredArtifact => ({
  file: `/b/db/postgres/shop/shop.1/${file}`,
  number: 1,
  manifest,
  open: () => Readable.from([]),
  content: () => Readable.from([]),
})

/** A dump in 1000-byte chunks, as a large one arrives. */
const chunked = (text: string | Buffer) => {
  const bytes = Buffer.from(text)
  return Readable.from(Array.from({length: Math.ceil(bytes.length / 1000)}, (_, i) => bytes.subarray(i * 1000, i * 1000 + 1000)))
}

const rows = Array.from({length: 20_000}, (_, i) => `${i}\tname ${i}\n`).join('')
const DUMP = `--\n-- PostgreSQL database dump\n--\n\n\\restrict k3y\nCOPY t FROM stdin;\n${rows}\\.\n\n--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict k3y\n\n`
const CLUSTER = `--\n-- PostgreSQL database cluster dump\n--\n\nCREATE ROLE a;\n${DUMP}--\n-- PostgreSQL database cluster dump complete\n--\n\n`
const ARCHIVE = Buffer.concat([Buffer.from('PGDMP'), Buffer.from([1, 14, 0, 4, 8, 1]), Buffer.alloc(50_000, 0xab)])

describe('verifying a backup_postgres dump', function () {
  it('accepts a complete plain dump read to its end, with or without the \\unrestrict line', async function () {
    await scheme.verify!(chunked(DUMP), artifact())
    await scheme.verify!(chunked(DUMP.replace('\\unrestrict k3y\n\n', '')), artifact())
  })

  it('reads the whole stream', async function () {
    let read = 0
    const content = chunked(DUMP)
    content.on('data', (c: Buffer) => (read += c.length))
    await scheme.verify!(content, artifact())
    expect(read).to.equal(Buffer.byteLength(DUMP))
  })

  it('fails on a dump without its trailer, naming the file', async function () {
    const error = await scheme.verify!(chunked(DUMP.split('--\n-- PostgreSQL database dump complete')[0]!), artifact()).catch((e: Error) => e)
    expect((error as Error).message).to.equal(
      'shop.sql.gz is not a complete dump: it does not end with the "-- PostgreSQL database dump complete" trailer, so it was cut short',
    )
  })

  it('fails when the trailer is not at the end, or on an empty dump', async function () {
    for (const text of [`${DUMP}CREATE TABLE u (x int);\n`, '']) {
      const error = await scheme.verify!(Readable.from(text === '' ? [] : [Buffer.from(text)]), artifact()).catch((e: Error) => e)
      expect(error).to.be.instanceOf(Error)
    }
  })

  it('wants the cluster trailer in a pg_dumpall dump (its header says so), not only that of its last database', async function () {
    await scheme.verify!(chunked(CLUSTER), artifact('all-databases.sql.gz', {item: 'all-databases'}))
    const cut = CLUSTER.slice(0, CLUSTER.lastIndexOf('--\n-- PostgreSQL database cluster dump complete'))
    expect(cut.trimEnd().endsWith('\\unrestrict k3y')).to.equal(true)
    const error = await scheme.verify!(chunked(cut), artifact('all-databases.sql.gz', {item: 'all-databases'})).catch((e: Error) => e)
    expect((error as Error).message).to.contain('"-- PostgreSQL database cluster dump complete" trailer')
  })

  it('goes by the item name when the header is missing', async function () {
    const headless = CLUSTER.replace('-- PostgreSQL database cluster dump\n', '')
    await scheme.verify!(chunked(headless), artifact('all-databases.sql.gz', {item: 'all-databases'}))
    const error = await scheme.verify!(chunked(headless), artifact()).catch((e: Error) => e)
    expect((error as Error).message).to.contain('"-- PostgreSQL database dump complete" trailer')
  })

  it('accepts a custom archive that starts with PGDMP, read to its end', async function () {
    let read = 0
    const content = chunked(ARCHIVE)
    content.on('data', (c: Buffer) => (read += c.length))
    await scheme.verify!(content, artifact('shop.dump'))
    expect(read).to.equal(ARCHIVE.length)
  })

  it('fails on a .dump that is not a custom archive', async function () {
    const error = await scheme.verify!(chunked(DUMP), artifact('shop.dump')).catch((e: Error) => e)
    expect((error as Error).message).to.equal('shop.dump is not a complete dump: it is not a pg_dump custom archive (it does not start with "PGDMP")')
  })

  it('fails on a file that is no backup_postgres artifact, and closes the stream', async function () {
    const content = chunked(DUMP)
    const error = await scheme.verify!(content, artifact('shop.tar.gz')).catch((e: Error) => e)
    expect((error as Error).message).to.contain('is not a backup_postgres artifact')
    expect(content.destroyed).to.equal(true)
  })

  it('passes a read error of the content on', async function () {
    const broken = new Readable({
      read() {
        this.destroy(new Error('unexpected end of file'))
      },
    })
    const error = await scheme.verify!(broken, artifact()).catch((e: Error) => e)
    expect((error as Error).message).to.equal('unexpected end of file')
  })
})
