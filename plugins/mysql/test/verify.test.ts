import {expect} from 'chai'
import {Readable} from 'node:stream'

import type {StoredArtifact} from 'backupbot'

import {mysqlScheme as scheme} from '../src/index.js'

const artifact: StoredArtifact = {
  file: '/b/db/mysql/shop/shop.1/shop.sql.gz',
  number: 1,
  manifest: {},
  open: () => Readable.from([]),
  content: () => Readable.from([]),
}

/** A dump in 1000-byte chunks, as a large one arrives. */
const chunked = (text: string) => Readable.from(text.match(/[\s\S]{1,1000}/g)!.map((c) => Buffer.from(c)))

describe('verifying a backup_mysql dump', function () {
  const rows = Array.from({length: 20_000}, (_, i) => `INSERT INTO t VALUES (${i});\n`).join('')

  it('accepts a complete dump, read to its end, with or without the date', async function () {
    await scheme.verify!(chunked(`-- MariaDB dump\n${rows}-- Dump completed on 2024-05-01 10:11:12\n`), artifact)
    await scheme.verify!(chunked(`-- MariaDB dump\n${rows}-- Dump completed\n\n`), artifact)
  })

  it('reads the whole stream', async function () {
    let read = 0
    const content = chunked(`${rows}-- Dump completed\n`)
    content.on('data', (c: Buffer) => (read += c.length))
    await scheme.verify!(content, artifact)
    expect(read).to.equal(rows.length + '-- Dump completed\n'.length)
  })

  it('fails on a dump without its trailer, naming the file', async function () {
    const error = await scheme.verify!(chunked(`-- MariaDB dump\n${rows}`), artifact).catch((e: Error) => e)
    expect((error as Error).message).to.equal(
      'shop.sql.gz does not end with the "-- Dump completed" trailer: the dump is incomplete (cut short when it was made or since)',
    )
  })

  it('fails when the trailer is not at the end, or on an empty dump', async function () {
    for (const text of [`-- Dump completed on 2024-05-01\n${rows}`, '']) {
      const error = await scheme.verify!(Readable.from(text === '' ? [] : [Buffer.from(text)]), artifact).catch((e: Error) => e)
      expect(error).to.be.instanceOf(Error)
    }
  })

  it('passes a read error of the content on', async function () {
    const broken = new Readable({read() {
      this.destroy(new Error('unexpected end of file'))
    }})
    const error = await scheme.verify!(broken, artifact).catch((e: Error) => e)
    expect((error as Error).message).to.equal('unexpected end of file')
  })
})
