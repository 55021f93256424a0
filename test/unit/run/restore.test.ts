// restore() over the bind-project fixture (loaded from disk, planned zero-config) and a fake
// scheme that never needs the engine: what the scheme gets, and what is refused before it is
// called. DOCKER_HOST points at a socket that does not exist, so any engine access would fail.
import {expect} from 'chai'
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import type {Readable} from 'node:stream'
import {fileURLToPath} from 'node:url'
import {gzipSync} from 'node:zlib'

import {UsageError} from '../../../src/errors.js'
import {type RestoreRequest, restore} from '../../../src/run/restore.js'
import type {BackupItem, Manifest, PlannedItem, RestoreOptions, SchemeDefinition, TarSummary} from '../../../src/scheme.js'
import {itemDirectory} from '../../../src/target/layout.js'
import {LOCK_FILE} from '../../../src/target/lock.js'
import {writeVersion} from '../../../src/target/write-version.js'
import {recordingLogger} from '../../../src/testing/index.js'
import {sharedKind} from '../../support/fake-stores.js'
import {planningOf, withoutEngine} from '../../support/run-fakes.js'
import {rawTar} from '../../support/tar.js'
import {SecretMasker, stores} from '../../support/fakes.js'

const FIXTURE = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../fixtures/bind-project')
const PROJECT = 'bind-project'

const TAR = rawTar([
  {path: 'data/', type: 'Directory', mode: 0o755},
  {path: 'data/a.txt', body: 'hello'},
  {path: 'data/sub/', type: 'Directory', mode: 0o755},
  {path: 'data/sub/b.txt', body: 'world!'},
])

interface RestoreCall {
  item: BackupItem
  file: string
  number: number
  manifest: Manifest
  tar?: TarSummary
  content: Buffer
  options: RestoreOptions
  project: string
  lockHeld: boolean
}

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks)
}

/** Plans a tar item `data` and an all-databases dump for every service; restore records what it got. */
function restoringScheme(target: () => string, extra: Partial<SchemeDefinition<any, any>> = {}) {
  const calls: RestoreCall[] = []
  const scheme: SchemeDefinition<Record<string, never>, {token: string}> = {
    type: 'backup_fake',
    apiVersion: 2,
    description: 'fake',
    optionsSchema: {type: 'object'},
    defaultEntry: {},
    async plan(ctx, service): Promise<Array<PlannedItem<{token: string}>>> {
      return [
        {folder: 'fake', name: 'data', source: `${ctx.project.directory}/data`, extension: '.tar', compress: true, data: {token: `for ${service.name}`}},
        {
          folder: 'fake',
          name: 'all-databases',
          source: 'all databases',
          extension: '.sql',
          compress: true,
          refuseRestoreTo: 'a dump of all databases cannot go to another database',
          data: {token: 'dump'},
        },
      ]
    },
    backup: async () => {
      throw new Error('backup is not part of these tests')
    },
    async restore(ctx, item, artifact, options) {
      calls.push({
        item,
        file: artifact.file,
        number: artifact.number,
        manifest: artifact.manifest,
        tar: artifact.tar,
        content: await read(artifact.content()),
        options,
        project: ctx.project.name,
        lockHeld: existsSync(join(target(), LOCK_FILE)),
      })
      return {destination: options.to ?? item.source, stopped: ['bind-project-app-1'], replaced: options.force}
    },
    ...extra,
  }
  return {scheme, calls}
}

describe('restore', function () {
  let target = ''
  let journalDir = ''
  withoutEngine()
  beforeEach(async function () {
    target = await mkdtemp(join(tmpdir(), 'backupbot-restore-'))
    journalDir = await mkdtemp(join(tmpdir(), 'backupbot-journal-'))
  })
  afterEach(async function () {
    await rm(target, {recursive: true, force: true})
    await rm(journalDir, {recursive: true, force: true})
  })

  const dataDir = () => itemDirectory(target, 'app', 'fake', 'data')
  const dumpDir = () => itemDirectory(target, 'app', 'fake', 'all-databases')
  const manifest = (item: string) => ({project: PROJECT, service: 'app', scheme: 'backup_fake', item, source: `source of ${item}`, backupbot: '0.0.0'})
  const store = (content: Buffer, item = 'data', extension = '.tar.gz') =>
    writeVersion({itemDir: item === 'data' ? dataDir() : dumpDir(), item, extension, manifest: manifest(item), write: async (out) => void out.end(content)})

  function request(schemes: SchemeDefinition<any, any>[], extra: Partial<RestoreRequest> = {}): RestoreRequest & {log: ReturnType<typeof recordingLogger>} {
    return {
      ...planningOf(FIXTURE, schemes),
      service: 'app',
      item: 'data',
      version: 1,
      force: false,
      dryRun: false,
      devices: false,
      target,
      signal: new AbortController().signal,
      journalDir,
      ...extra,
    } as RestoreRequest & {log: ReturnType<typeof recordingLogger>}
  }

  it('hands the scheme the checked artifact: its tar summary, typed manifest, content, the planned item and the options', async function () {
    const written = await store(gzipSync(TAR))
    const {scheme, calls} = restoringScheme(() => target)
    const result = await restore(request([scheme]))

    expect(result).to.deep.equal({
      ok: true,
      dryRun: false,
      items: [
        {
          service: 'app',
          scheme: 'backup_fake',
          item: 'data',
          version: 1,
          file: written.file,
          destination: `${FIXTURE}/data`,
          stopped: ['bind-project-app-1'],
          replaced: false,
          status: 'ok',
        },
      ],
    })
    expect(calls).to.have.length(1)
    const [call] = calls
    expect(call.tar).to.deep.equal({entries: 4, bytes: 11, root: 'data', rootKind: 'directory'})
    expect(call.file).to.equal(written.file)
    expect(call.number).to.equal(1)
    expect(call.manifest).to.deep.equal({...manifest('data'), file: 'data.tar.gz', bytes: written.bytes, sha256: written.sha256, created: written.created, format: 1})
    expect(call.content.equals(TAR)).to.equal(true)
    expect(call.options).to.deep.equal({to: undefined, force: false, dryRun: false, devices: false})
    expect(call.item).to.deep.include({service: 'app', scheme: 'backup_fake', folder: 'fake', name: 'data', key: {project: 'bind-project', service: 'app', folder: 'fake', name: 'data'}, data: {token: 'for app'}})
    expect(call.project).to.equal(PROJECT)
    expect(call.lockHeld).to.equal(true)
    expect(existsSync(join(target, LOCK_FILE))).to.equal(false)
    expect(result.items[0]).not.to.have.property('error')
  })

  it('restores the chosen older version, passing --to, --force and --devices on', async function () {
    const older = await store(gzipSync(TAR))
    await store(gzipSync(rawTar([{path: 'data/', type: 'Directory'}])))
    const {scheme, calls} = restoringScheme(() => target)
    const result = await restore(request([scheme], {version: 2, to: '/elsewhere', force: true, devices: true, item: 'fake/data'}))

    expect(result.items[0]).to.deep.include({status: 'ok', version: 2, file: join(dataDir(), 'data.2', 'data.tar.gz'), destination: '/elsewhere', replaced: true})
    expect(calls[0].number).to.equal(2)
    expect(calls[0].manifest.sha256).to.equal(older.sha256)
    expect(calls[0].content.equals(TAR)).to.equal(true)
    expect(calls[0].options).to.deep.equal({to: '/elsewhere', force: true, dryRun: false, devices: true})
  })

  it('with --dry-run passes dryRun to the scheme and takes no lock', async function () {
    await store(gzipSync(TAR))
    const {scheme, calls} = restoringScheme(() => target)
    const result = await restore(request([scheme], {dryRun: true}))
    expect(result).to.deep.include({ok: true, dryRun: true})
    expect(calls[0].options.dryRun).to.equal(true)
    expect(calls[0].lockHeld).to.equal(false)
    expect(result.items[0]).to.deep.include({status: 'ok'})
  })

  it('refuses a damaged artifact (a flipped byte) before calling the scheme', async function () {
    const written = await store(gzipSync(TAR))
    const bytes = await readFile(written.file)
    bytes[Math.floor(bytes.length / 2)] ^= 0xff
    await writeFile(written.file, bytes)
    const {scheme, calls} = restoringScheme(() => target)
    const result = await restore(request([scheme]))

    expect(calls).to.deep.equal([])
    expect(result.ok).to.equal(false)
    expect(result.items[0]).to.deep.include({status: 'failed', file: written.file, stopped: [], replaced: false})
    expect(result.items[0].error).to.match(/^checksum mismatch for .*data\.tar\.gz: .*the file is damaged or was changed$/)
    expect(existsSync(join(target, LOCK_FILE))).to.equal(false)
  })

  it('refuses an archive with a hostile entry before calling the scheme, even though its checksum matches', async function () {
    await store(gzipSync(rawTar([{path: 'data/', type: 'Directory'}, {path: 'data/../../escape', body: 'x'}])))
    const {scheme, calls} = restoringScheme(() => target)
    const result = await restore(request([scheme]))
    expect(calls).to.deep.equal([])
    expect(result.items[0].status).to.equal('failed')
    expect(result.items[0].error).to.equal(`refusing archive entry "data/../../escape": its path contains a '..' segment`)
  })

  it('refuses a gzip cut short before calling the scheme, even though its checksum matches', async function () {
    const gz = gzipSync(TAR)
    await store(gz.subarray(0, gz.length - 12))
    const {scheme, calls} = restoringScheme(() => target)
    const result = await restore(request([scheme]))
    expect(calls).to.deep.equal([])
    expect(result.items[0].status).to.equal('failed')
    expect(result.items[0].error).to.match(/data\.tar\.gz is truncated: its gzip data ends early/)
  })

  it('refuses --to for an item with refuseRestoreTo, with its reason, without calling the scheme', async function () {
    await store(gzipSync(Buffer.from('-- dump')), 'all-databases', '.sql.gz')
    const {scheme, calls} = restoringScheme(() => target)
    const result = await restore(request([scheme], {item: 'all-databases', to: 'other_db'}))
    expect(calls).to.deep.equal([])
    expect(result.ok).to.equal(false)
    expect(result.items[0]).to.deep.include({item: 'all-databases', status: 'failed', error: 'a dump of all databases cannot go to another database'})
  })

  it('restores that item without --to, reading a gzipped non-tar artifact decompressed and with no tar summary', async function () {
    await store(gzipSync(Buffer.from('-- dump\n')), 'all-databases', '.sql.gz')
    const {scheme, calls} = restoringScheme(() => target)
    const result = await restore(request([scheme], {item: 'all-databases'}))
    expect(result.items[0].status).to.equal('ok')
    expect(calls[0].tar).to.equal(undefined)
    expect(calls[0].content.toString()).to.equal('-- dump\n')
  })

  it('fails clearly, naming the scheme and the source, for a scheme without restore', async function () {
    await store(gzipSync(TAR))
    const {scheme} = restoringScheme(() => target, {restore: undefined})
    const result = await restore(request([scheme]))
    expect(result.ok).to.equal(false)
    expect(result.items[0]).to.deep.include({
      status: 'failed',
      error: `scheme backup_fake cannot restore; restore ${FIXTURE}/data by hand from the artifact`,
    })
  })

  it('fails clearly for a version that does not exist, pointing at list-versions', async function () {
    await store(gzipSync(TAR))
    const {scheme, calls} = restoringScheme(() => target)
    const result = await restore(request([scheme], {version: 3}))
    expect(calls).to.deep.equal([])
    expect(result.items[0].error).to.equal(`no version 3 of fake/data in ${dataDir()} (see backupbot list-versions app)`)
  })

  describe('--host, in a store that several machines share', function () {
    let shared: ReturnType<typeof sharedKind>
    const sharedStores = () => stores(shared.definition)
    beforeEach(() => (shared = sharedKind()))

    it('asks the store for the version the machine named wrote, and restores it', async function () {
      const written = await store(gzipSync(TAR))
      const {scheme, calls} = restoringScheme(() => target)
      const result = await restore(request([scheme], {target: `shared:${target}`, stores: sharedStores(), host: 'old-web'}))
      expect(shared.opened[0]!.versionsFrom).to.deep.equal([{host: 'old-web'}])
      expect(result.items[0]).to.deep.include({status: 'ok', file: written.file})
      expect(calls).to.have.length(1)
    })

    it("asks for this machine's version without --host", async function () {
      await store(gzipSync(TAR))
      const {scheme} = restoringScheme(() => target)
      await restore(request([scheme], {target: `shared:${target}`, stores: sharedStores()}))
      expect(shared.opened[0]!.versionsFrom).to.deep.equal([undefined])
    })

    it('says which machine has no such version', async function () {
      const {scheme} = restoringScheme(() => target)
      const result = await restore(request([scheme], {target: `shared:${target}`, stores: sharedStores(), host: 'old-web', version: 3}))
      expect(result.items[0].error).to.equal(`no version 3 of fake/data written by old-web in ${dataDir()} (see backupbot list-versions app --all-hosts)`)
    })

    it("is refused with exit 2 for the local tree, which holds one machine's backups, before anything is read", async function () {
      await store(gzipSync(TAR))
      const {scheme, calls} = restoringScheme(() => target)
      const refused = await restore(request([scheme], {host: 'old-web'})).catch((e: unknown) => e)
      expect(refused).to.be.instanceOf(UsageError)
      expect((refused as Error).message).to.equal(`--host is for a store that several machines share (restic:<repo>), but the local tree ${target} holds one machine's backups`)
      expect(calls).to.deep.equal([])
    })
  })

  it('restores every item of the service when no item is named, one result each', async function () {
    await store(gzipSync(TAR))
    await store(gzipSync(Buffer.from('-- dump')), 'all-databases', '.sql.gz')
    const {scheme, calls} = restoringScheme(() => target)
    const result = await restore(request([scheme], {item: undefined}))
    expect(result.items.map((i) => [i.item, i.status])).to.deep.equal([['data', 'ok'], ['all-databases', 'ok']])
    expect(calls.map((c) => c.item.name)).to.deep.equal(['data', 'all-databases'])
  })

  it('throws a usage error for an unknown item, or for --to with several items', async function () {
    const {scheme} = restoringScheme(() => target)
    const unknown = await restore(request([scheme], {item: 'nope'})).catch((e: unknown) => e)
    expect(unknown).to.be.instanceOf(UsageError)
    expect((unknown as Error).message).to.equal('service app has no backed-up item nope')
    const several = await restore(request([scheme], {item: undefined, to: '/x'})).catch((e: unknown) => e)
    expect(several).to.be.instanceOf(UsageError)
    expect((several as Error).message).to.equal('--to needs one item, but service app has 2')
  })

  it('does not start the next item once interrupted: it is reported interrupted and its scheme is not called', async function () {
    await store(gzipSync(TAR))
    await store(gzipSync(Buffer.from('-- dump')), 'all-databases', '.sql.gz')
    const controller = new AbortController()
    const started: string[] = []
    const {scheme} = restoringScheme(() => target, {
      async restore(_ctx: unknown, item: BackupItem) {
        started.push(item.name)
        // SIGINT arrives while the first item is restored; the scheme stops and throws.
        controller.abort()
        throw new Error('interrupted')
      },
    })
    const result = await restore(request([scheme], {item: undefined, signal: controller.signal}))
    expect(started).to.deep.equal(['data'])
    expect(result.items.map((i) => [i.item, i.status])).to.deep.equal([['data', 'interrupted'], ['all-databases', 'interrupted']])
  })

  it("masks a registered secret in the scheme's error", async function () {
    await store(gzipSync(TAR))
    const masker = new SecretMasker()
    masker.add('s3cret-pw')
    const {scheme} = restoringScheme(() => target, {
      restore: async () => {
        throw new Error('mysql: access denied (password s3cret-pw)')
      },
    })
    const req = request([scheme], {masker})
    const result = await restore(req)
    expect(result.items[0].error).to.equal('mysql: access denied (password ***)')
    expect(req.log.lines.join('\n')).not.to.contain('s3cret-pw')
  })
})
