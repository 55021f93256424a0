import {expect} from 'chai'

import type {StoredArtifact} from 'backupbot'
import {fakeArtifact, fakeVerifyContext} from 'backupbot/testing'

import {postgresScheme as scheme} from '../src/index.js'

/** A stored dump in 1000-byte chunks, as a large one arrives. */
const artifact = (content: string | Buffer, file = 'shop.sql.gz', item = 'shop'): StoredArtifact =>
  fakeArtifact(content, {file: `/b/db/postgres/${item}/${item}.1/${file}`, manifest: {item, scheme: 'backup_postgres'}, chunk: 1000})
const verify = (a: StoredArtifact) => scheme.verify!(fakeVerifyContext().ctx, a)

const rows = Array.from({length: 20_000}, (_, i) => `${i}\tname ${i}\n`).join('')
const DUMP = `--\n-- PostgreSQL database dump\n--\n\n\\restrict k3y\nCOPY t FROM stdin;\n${rows}\\.\n\n--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict k3y\n\n`
const CLUSTER = `--\n-- PostgreSQL database cluster dump\n--\n\nCREATE ROLE a;\n${DUMP}--\n-- PostgreSQL database cluster dump complete\n--\n\n`
const ARCHIVE = Buffer.concat([Buffer.from('PGDMP'), Buffer.from([1, 14, 0, 4, 8, 1]), Buffer.alloc(50_000, 0xab)])

describe('verifying a backup_postgres dump', function () {
  it('accepts a complete plain dump, with or without the \\unrestrict line', async function () {
    await verify(artifact(DUMP))
    await verify(artifact(DUMP.replace('\\unrestrict k3y\n\n', '')))
  })

  it('reads a plain dump whatever the core compressed it with (.sql.zst, .sql), and refuses other names', async function () {
    await verify(artifact(DUMP, 'shop.sql.zst'))
    await verify(artifact(DUMP, 'shop.sql'))
    const error = await verify(artifact(DUMP, 'shop.sql.bz2')).catch((e: Error) => e)
    expect((error as Error).message).to.match(/shop\.sql\.bz2 is not a backup_postgres artifact \(expected \.sql\.gz, \.sql\.zst, \.sql or \.dump\)$/)
    const cut = await verify(artifact(DUMP.split('--\n-- PostgreSQL database dump complete')[0]!, 'shop.sql.zst')).catch((e: Error) => e)
    expect((cut as Error).message).to.contain('shop.sql.zst is not a complete dump')
  })

  it('fails on a dump without its trailer, naming the file', async function () {
    const error = await verify(artifact(DUMP.split('--\n-- PostgreSQL database dump complete')[0]!)).catch((e: Error) => e)
    expect((error as Error).message).to.equal(
      'shop.sql.gz is not a complete dump: it does not end with the "-- PostgreSQL database dump complete" trailer, so it was cut short',
    )
  })

  it('fails when the trailer is not at the end, or on an empty dump', async function () {
    for (const text of [`${DUMP}CREATE TABLE u (x int);\n`, '']) {
      const error = await verify(artifact(text)).catch((e: Error) => e)
      expect(error).to.be.instanceOf(Error)
    }
  })

  it('wants the cluster trailer in a pg_dumpall dump (its header says so), not only that of its last database', async function () {
    await verify(artifact(CLUSTER, 'all-databases.sql.gz', 'all-databases'))
    const cut = CLUSTER.slice(0, CLUSTER.lastIndexOf('--\n-- PostgreSQL database cluster dump complete'))
    expect(cut.trimEnd().endsWith('\\unrestrict k3y')).to.equal(true)
    const error = await verify(artifact(cut, 'all-databases.sql.gz', 'all-databases')).catch((e: Error) => e)
    expect((error as Error).message).to.contain('"-- PostgreSQL database cluster dump complete" trailer')
  })

  it('goes by the item name in the manifest when the header is missing', async function () {
    const headless = CLUSTER.replace('-- PostgreSQL database cluster dump\n', '')
    await verify(artifact(headless, 'all-databases.sql.gz', 'all-databases'))
    const error = await verify(artifact(headless)).catch((e: Error) => e)
    expect((error as Error).message).to.contain('"-- PostgreSQL database dump complete" trailer')
  })

  it('accepts a custom archive that starts with PGDMP', async function () {
    await verify(artifact(ARCHIVE, 'shop.dump'))
  })

  it('fails on a .dump that is not a custom archive', async function () {
    const error = await verify(artifact(DUMP, 'shop.dump')).catch((e: Error) => e)
    expect((error as Error).message).to.equal('shop.dump is not a complete dump: it is not a pg_dump custom archive (it does not start with "PGDMP")')
  })

  it('fails on a file that is no backup_postgres artifact, without reading it', async function () {
    let read = false
    const stored = artifact(DUMP, 'shop.tar.gz')
    const error = await verify({...stored, edges: (limits) => ((read = true), stored.edges(limits))}).catch((e: Error) => e)
    expect((error as Error).message).to.contain('is not a backup_postgres artifact')
    expect(read).to.equal(false)
  })

  it('passes a read error of the content on', async function () {
    const broken: StoredArtifact = {...artifact(DUMP), edges: async () => Promise.reject(new Error('unexpected end of file'))}
    const error = await verify(broken).catch((e: Error) => e)
    expect((error as Error).message).to.equal('unexpected end of file')
  })
})
