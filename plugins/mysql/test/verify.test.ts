import {expect} from 'chai'
import {Readable} from 'node:stream'

import type {StoredArtifact} from 'backupbot'
import {fakeArtifact, fakeVerifyContext} from 'backupbot/testing'

import {mysqlScheme as scheme} from '../src/index.js'

/** A stored dump handed out in 1000-byte chunks, as a large one arrives. */
const stored = (text: string) => fakeArtifact(text, {file: '/b/db/mysql/shop/shop.1/shop.sql.gz', chunk: 1000})
const verify = (artifact: StoredArtifact) => scheme.verify!(fakeVerifyContext().ctx, artifact)

describe('verifying a backup_mysql dump', function () {
  const rows = Array.from({length: 20_000}, (_, i) => `INSERT INTO t VALUES (${i});\n`).join('')

  it('accepts a complete dump, read to its end, with or without the date', async function () {
    await verify(stored(`-- MariaDB dump\n${rows}-- Dump completed on 2024-05-01 10:11:12\n`))
    await verify(stored(`-- MariaDB dump\n${rows}-- Dump completed\n\n`))
  })

  it('reads the whole stream', async function () {
    let read = 0
    const artifact = stored(`${rows}-- Dump completed\n`)
    const content = artifact.content
    artifact.content = () => content().on('data', (c: Buffer) => (read += c.length))
    await verify(artifact)
    expect(read).to.equal(rows.length + '-- Dump completed\n'.length)
  })

  it('fails on a dump without its trailer, naming the file', async function () {
    const error = await verify(stored(`-- MariaDB dump\n${rows}`)).catch((e: Error) => e)
    expect((error as Error).message).to.equal(
      'shop.sql.gz is not a complete dump: it does not end with the "-- Dump completed" trailer (cut short when it was made or since)',
    )
  })

  it('fails when the trailer is not at the end, or on an empty dump', async function () {
    for (const text of [`-- Dump completed on 2024-05-01\n${rows}`, '']) {
      const error = await verify(stored(text)).catch((e: Error) => e)
      expect(error).to.be.instanceOf(Error)
    }
  })

  it('passes a read error of the content on', async function () {
    const broken = new Readable({read() {
      this.destroy(new Error('unexpected end of file'))
    }})
    const artifact = stored('')
    artifact.content = () => broken
    const error = await verify(artifact).catch((e: Error) => e)
    expect((error as Error).message).to.equal('unexpected end of file')
  })
})
