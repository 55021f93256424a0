// verifyBackups over a tree written by runBackup with fake schemes: the core's checks (sha256,
// gzip, tar) and the scheme's own verify(ctx, artifact), and what each kind of damage reports.
import {expect} from 'chai'
import {readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'

import {UsageError} from '../../../src/errors.js'
import {renderVerify} from '../../../src/render/verify.js'
import {runBackup} from '../../../src/run/run-backup.js'
import {verifyBackups, type VerifyRequest} from '../../../src/run/verify.js'
import type {Manifest, SchemeDefinition, TarSummary} from '../../../src/scheme.js'
import {encodeName} from '../../../src/target/layout.js'
import {LocalStore} from '../../../src/target/local-store.js'
import {writeVersion} from '../../../src/target/write-version.js'
import {recordingLogger} from '../../../src/testing/index.js'
import {CheckedTree} from '../../support/fake-stores.js'
import {rawTar} from '../../support/tar.js'
import {registry} from '../../support/fakes.js'
import {located, runInput, scheme, useTempDir, writes} from '../../support/run-fakes.js'

const TAR = rawTar([
  {path: 'files/', type: 'Directory'},
  {path: 'files/a.txt', body: 'alpha'},
])
const DUMP = '-- dump start\nINSERT 1;\n-- Dump completed\n'

interface VerifyCall {
  manifest: Manifest
  onDisk: Manifest
  tar?: TarSummary
  edges: {head: string; tail: string}
}

/** One scheme for all three items; its verify records what it got and throws `fail` if set. */
function fakeScheme(options: {fail?: string} = {}) {
  const calls: VerifyCall[] = []
  const definition: SchemeDefinition<any, any> = scheme(
    'backup_fake',
    async (_ctx, item, out) => {
      const data = {files: TAR, dump: Buffer.from(DUMP), plain: Buffer.from('plain text')}[item.name as 'files' | 'dump' | 'plain']
      return writes(data, 100)(_ctx, item, out)
    },
    {
      async verify(ctx, artifact) {
        const edges = await artifact.edges({head: 7, tail: 18})
        calls.push({
          manifest: artifact.manifest,
          onDisk: JSON.parse(await readFile(join(artifact.file, '..', 'manifest.json'), 'utf8')),
          tar: artifact.tar,
          edges: {head: edges.head.toString(), tail: edges.tail.toString()},
        })
        ctx.log.debug(`verifying ${artifact.manifest.item}`)
        if (options.fail) throw new Error(options.fail)
      },
    },
  )
  return {definition, calls}
}

type Located = ReturnType<typeof located>

describe('verifyBackups', function () {
  const target = useTempDir('backupbot-verify-')
  let items: {files: Located; dump: Located; plain: Located}

  beforeEach(async function () {
    items = {
      files: located(target(), 'files', 'backup_fake', {extension: '.tar', compress: true}),
      dump: located(target(), 'dump', 'backup_fake', {extension: '.sql', compress: true}),
      plain: located(target(), 'plain', 'backup_fake', {extension: '.txt', compress: false}),
    }
    const result = await runBackup(runInput(target(), Object.values(items), [fakeScheme().definition]))
    expect(result.ok).to.equal(true)
  })

  function request(schemes: SchemeDefinition<any, any>[], extra: Partial<VerifyRequest> = {}) {
    const log = recordingLogger()
    return {log, request: {store: new LocalStore(target()), version: 1, registry: registry(...schemes), log, ...extra} as VerifyRequest}
  }

  const artifact = (item: Located, n = 1) => join(item.itemDir, `${encodeName(item.name)}.${n}`, `${encodeName(item.name)}${item.compress ? `${item.extension}.gz` : item.extension}`)

  it('reports the sha256, gzip, tar and content checks of sound versions', async function () {
    const {definition} = fakeScheme()
    const {request: req, log} = request([definition])
    const result = await verifyBackups(req)

    expect(result.ok).to.equal(true)
    expect(result.target).to.equal(target())
    // Listed by decoded name.
    expect(result.items).to.deep.equal([
      {service: 'db', folder: 'things', item: 'dump', version: 1, file: artifact(items.dump), checks: ['sha256', 'gzip', 'content'], status: 'ok'},
      {service: 'db', folder: 'things', item: 'files', version: 1, file: artifact(items.files), checks: ['sha256', 'gzip', 'tar', 'content'], status: 'ok'},
      {service: 'db', folder: 'things', item: 'plain', version: 1, file: artifact(items.plain), checks: ['sha256', 'content'], status: 'ok'},
    ])
    expect(log.lines).to.include('info: ok      db/things/files .1 (sha256, gzip, tar, content)')
    expect(log.lines).to.include('debug: verifying files')
  })

  it("gives the scheme's verify the manifest as recorded, the tar summary, and edges() of the decompressed content", async function () {
    const {definition, calls} = fakeScheme()
    await verifyBackups(request([definition]).request)
    const [dump, files, plain] = calls

    for (const call of calls) {
      expect(call.manifest).to.deep.equal(call.onDisk)
      expect(call.manifest.format).to.equal(1)
      expect(call.manifest.bytes).to.be.a('number')
      expect(call.manifest.backupbot).to.equal('9.9.9')
    }
    expect(dump.manifest).to.deep.include({project: 'proj', service: 'db', scheme: 'backup_fake', item: 'dump', source: 'source of dump', file: 'dump.sql.gz'})
    expect(dump.tar).to.equal(undefined)
    expect(dump.edges).to.deep.equal({head: '-- dump', tail: '-- Dump completed\n'})
    expect(files.tar).to.deep.equal({entries: 2, bytes: 5, root: 'files', rootKind: 'directory'})
    expect(files.edges.head).to.equal('files/\0')
    expect(plain.manifest.file).to.equal('plain.txt')
    expect(plain.edges).to.deep.equal({head: 'plain t', tail: 'plain text'})
  })

  it('fails a version with a flipped byte on its checksum, without calling the scheme, and still checks the others', async function () {
    const file = artifact(items.dump)
    const bytes = await readFile(file)
    bytes[bytes.length - 5] ^= 0x01
    await writeFile(file, bytes)
    const {definition, calls} = fakeScheme()
    const {request: req, log} = request([definition])
    const result = await verifyBackups(req)

    expect(result.ok).to.equal(false)
    const dump = result.items.find((i) => i.item === 'dump')!
    expect(dump).to.deep.include({status: 'failed', checks: [], file})
    expect(dump.error).to.match(/^checksum mismatch for .*dump\.sql\.gz: recorded sha256 [0-9a-f]{64} \(\d+ bytes\), found [0-9a-f]{64} \(\d+ bytes\): the file is damaged or was changed$/)
    expect(calls.map((c) => c.manifest.item)).to.deep.equal(['files', 'plain'])
    expect(result.items.filter((i) => i.status === 'ok').map((i) => i.item)).to.deep.equal(['files', 'plain'])
    expect(log.lines.some((l) => l.startsWith('warn: FAILED  db/things/dump .1: checksum mismatch'))).to.equal(true)
  })

  it("fails a version when the scheme's verify throws, with its message and the checks that passed", async function () {
    const {definition} = fakeScheme({fail: 'the dump has no completion trailer'})
    const result = await verifyBackups(request([definition]).request)
    expect(result.ok).to.equal(false)
    expect(result.items.map((i) => [i.item, i.status, i.checks, i.error])).to.deep.equal([
      ['dump', 'failed', ['sha256', 'gzip'], 'the dump has no completion trailer'],
      ['files', 'failed', ['sha256', 'gzip', 'tar'], 'the dump has no completion trailer'],
      ['plain', 'failed', ['sha256'], 'the dump has no completion trailer'],
    ])
  })

  it('fails a gzip cut short, and a tar with a hostile entry, even when their checksums match', async function () {
    const gz = gzipSync(Buffer.from(DUMP))
    const manifest = {project: 'proj', service: 'db', scheme: 'backup_fake', source: 'x', backupbot: '0.0.0'}
    await writeVersion({itemDir: items.dump.itemDir, item: 'dump', extension: '.sql.gz', manifest: {...manifest, item: 'dump'}, write: async (out) => void out.end(gz.subarray(0, gz.length - 10))})
    const hostile = gzipSync(rawTar([{path: 'files/', type: 'Directory'}, {path: '/etc/passwd', body: 'x'}]))
    await writeVersion({itemDir: items.files.itemDir, item: 'files', extension: '.tar.gz', manifest: {...manifest, item: 'files'}, write: async (out) => void out.end(hostile)})
    const {definition, calls} = fakeScheme()
    const result = await verifyBackups(request([definition], {service: 'db'}).request)

    const [dump, files] = result.items
    // Only what passed is listed: the structure check failed as a whole.
    expect(dump).to.deep.include({status: 'failed', checks: ['sha256']})
    expect(dump.error).to.match(/dump\.sql\.gz is truncated: its gzip data ends early/)
    expect(files).to.deep.include({status: 'failed', checks: ['sha256']})
    expect(files.error).to.contain('/etc/passwd')
    expect(calls.map((c) => c.manifest.item)).to.deep.equal(['plain'])
  })

  it('skips the content check, with a warning, when the scheme is not installed', async function () {
    const {request: req, log} = request([])
    const result = await verifyBackups(req)
    expect(result.ok).to.equal(true)
    expect(result.items.map((i) => i.checks)).to.deep.equal([['sha256', 'gzip'], ['sha256', 'gzip', 'tar'], ['sha256']])
    expect(log.lines).to.include('warn: db/things/files.1: scheme backup_fake is not installed; its content check was skipped')
  })

  it('checks every version with version "all", and fails an item that lacks the version asked for', async function () {
    await runBackup(runInput(target(), [items.plain], [fakeScheme().definition]))
    const {definition} = fakeScheme()
    const all = await verifyBackups(request([definition], {version: 'all'}).request)
    expect(all.items.map((i) => `${i.item}.${i.version}:${i.status}`)).to.deep.equal(['dump.1:ok', 'files.1:ok', 'plain.1:ok', 'plain.2:ok'])

    const second = await verifyBackups(request([definition], {version: 2}).request)
    expect(second.ok).to.equal(false)
    expect(second.items.map((i) => `${i.item}.${i.version}:${i.status}`)).to.deep.equal(['dump.2:failed', 'files.2:failed', 'plain.2:ok'])
    expect(second.items[0]).to.deep.include({checks: [], error: `no version 2 in ${items.dump.itemDir}`})
  })

  it('fails a version whose manifest is unreadable, naming it', async function () {
    await rm(join(items.files.itemDir, 'files.1', 'manifest.json'))
    const {definition} = fakeScheme()
    const result = await verifyBackups(request([definition]).request)
    const files = result.items.find((i) => i.item === 'files')!
    expect(files.status).to.equal('failed')
    expect(files.error).to.match(/^version 1 in .*files\.1 is unusable: manifest\.json unreadable: /)
  })

  describe("a store's own check", function () {
    it('runs it once, before the versions, and records what it checked', async function () {
      const store = new CheckedTree(target(), {checks: ['restic check']})
      const {request: req, log} = request([fakeScheme().definition], {store})
      const result = await verifyBackups(req)
      expect(store.checked).to.deep.equal([{readData: false}])
      expect(result.ok).to.equal(true)
      expect(result.store).to.deep.equal({status: 'ok', checks: ['restic check']})
      expect(Object.keys(result)).to.deep.equal(['ok', 'target', 'store', 'items'])
      expect(result.items.map((i) => i.status)).to.deep.equal(['ok', 'ok', 'ok'])
      expect(log.lines[0]).to.equal(`info: ok      store ${target()} (restic check)`)
      expect(renderVerify(result).split('\n')[0]).to.equal(`ok      store ${target()}  (restic check)`)
    })

    it('asks it to read all data with --read-data', async function () {
      const store = new CheckedTree(target(), {checks: ['restic check --read-data']})
      const result = await verifyBackups(request([fakeScheme().definition], {store, readData: true}).request)
      expect(store.checked).to.deep.equal([{readData: true}])
      expect(result.store!.checks).to.deep.equal(['restic check --read-data'])
    })

    it('fails the run when it fails, and still checks every version', async function () {
      const store = new CheckedTree(target(), {fail: 'restic check: pack 5e1f… is damaged'})
      const {request: req, log} = request([fakeScheme().definition], {store})
      const result = await verifyBackups(req)
      expect(result.ok).to.equal(false)
      expect(result.store).to.deep.equal({status: 'failed', checks: [], error: 'restic check: pack 5e1f… is damaged'})
      expect(result.items.map((i) => i.status)).to.deep.equal(['ok', 'ok', 'ok'])
      expect(log.lines).to.include(`warn: FAILED  store ${target()}: restic check: pack 5e1f… is damaged`)
      const text = renderVerify(result).split('\n')
      expect(text[0]).to.equal(`FAILED  store ${target()}  restic check: pack 5e1f… is damaged`)
      expect(text.slice(-2)).to.deep.equal(['3 version(s) sound', "the store's own check failed"])
    })

    it('shows it even when the store holds no versions', async function () {
      const empty = join(target(), 'empty')
      const result = await verifyBackups(request([], {store: new CheckedTree(empty, {checks: ['restic check']})}).request)
      expect(renderVerify(result)).to.equal(`ok      store ${empty}  (restic check)\nno backups found in ${empty}`)
    })

    it('has no store part for the local tree, which has no check of its own, and refuses --read-data there with exit 2', async function () {
      const {definition} = fakeScheme()
      expect(await verifyBackups(request([definition]).request)).not.to.have.property('store')
      const refused = await verifyBackups(request([definition], {readData: true}).request).catch((e: unknown) => e)
      expect(refused).to.be.instanceOf(UsageError)
      expect((refused as UsageError).exitCode).to.equal(2)
      expect((refused as Error).message).to.equal(
        `--read-data is for a store with a check of its own (restic:<repo>), but the local tree ${target()} has none: verify reads every byte of each version it checks anyway`,
      )
    })
  })
})
