// The restic store (plugins/restic) as the core drives it, against real restic 0.14 on the test
// bed's backends (test/support/restic-servers.ts): no Docker, no CLI. Every backend writes,
// lists, reads back and checks one version; the rest runs on a local repository only, since
// every restic call costs most of a second of key derivation.
import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import {resticStore} from '../../plugins/restic/src/index.js'
import {dataPath, dataTags, identityOf} from '../../plugins/restic/src/tags.js'
import {toArtifact} from '../../src/run/artifacts.js'
import type {ItemKey, ItemListing, RetentionPolicy, Store, VersionListing, WrittenVersion} from '../../src/store.js'
import {recordingLogger} from '../../src/testing/index.js'
import {freePort} from '../support/ports.js'
import {
  REST_HTTP_AUTH,
  RESTIC_BACKENDS,
  type ResticRepository,
  localResticRepository,
  requireResticBackends,
  resticRepository,
  restResticRepository,
  stopResticServers,
} from '../support/restic-servers.js'

const HOST = 'bbtest-alpha'

const key = (name: string): ItemKey => ({project: 'shop', service: 'db', folder: 'mysql', name})

interface Opened {
  store: Store
  log: ReturnType<typeof recordingLogger>
  /** What the store registered with ctx.secret. */
  secrets: string[]
}

/** The store as the core opens it for `--target restic:<location>`. */
function openStore(location: string, env: NodeJS.ProcessEnv, options: {host?: string; prune?: boolean} = {}): Opened {
  const log = recordingLogger()
  const secrets: string[] = []
  const ctx = {cwd: process.cwd(), log, env, secret: (value: string) => secrets.push(value), host: options.host ?? HOST, prune: options.prune ?? false}
  return {store: resticStore.open(location, ctx), log, secrets}
}

/** The repository's environment, its global options (sftp.command) one a line, a short lock wait. */
function envOf(repo: ResticRepository, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const options = repo.options.filter((_, i) => repo.options[i - 1] === '-o')
  return {PATH: process.env.PATH, HOME: process.env.HOME, ...repo.env, BACKUPBOT_RESTIC_OPTIONS: options.join('\n'), BACKUPBOT_RESTIC_LOCK_WAIT: '20', ...extra}
}

const storeOn = (repo: ResticRepository, options: {host?: string; prune?: boolean} = {}) => openStore(repo.repository, envOf(repo), options)

/** Writes `data` as a new version of `item`, in 16 KiB chunks. */
function write(store: Store, item: ItemKey, data: Buffer, retention?: RetentionPolicy, onBytes?: (total: number) => void): Promise<WrittenVersion> {
  const manifest = {project: item.project, service: item.service, scheme: 'backup_mysql', item: item.name, source: 'mysqldump (test)', backupbot: '0.0.0-test'}
  const chunks = Array.from({length: Math.ceil(data.length / 16_384)}, (_, i) => data.subarray(i * 16_384, (i + 1) * 16_384))
  return store.write(item, {extension: '.sql', manifest, retention, onBytes}, (out) => pipeline(Readable.from(chunks), out))
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

interface RepoSnapshot {
  id: string
  hostname: string
  tags?: string[] | null
}

/** Every snapshot in the repository, as restic itself lists them (not through the store). */
async function snapshotsIn(repo: ResticRepository, item?: string): Promise<RepoSnapshot[]> {
  const all = JSON.parse((await repo.restic(['snapshots', '--json'])).stdout) as RepoSnapshot[]
  return item === undefined ? all : all.filter((s) => s.tags?.includes(`bb-item=${encodeURIComponent(item)}`))
}

function itemNamed(items: ItemListing[], name: string, host = HOST): ItemListing | undefined {
  return items.find((i) => i.item === name && i.host === host)
}

/** What a call rejected with (it must reject). */
async function failure(promise: Promise<unknown>): Promise<Error & {exitCode?: number; suggestions?: string[]}> {
  return promise.then(
    () => expect.fail('it did not fail'),
    (error: Error) => error,
  )
}

describe('restic store (plugins/restic) on real restic', function () {
  this.timeout(120_000)

  before(function () {
    requireResticBackends(this)
  })

  after(stopResticServers)

  for (const backend of RESTIC_BACKENDS) {
    describe(backend, function () {
      const item = key('all-databases')
      const data = randomBytes(300 * 1024)
      let store: Store
      let written: WrittenVersion
      let listed: VersionListing

      before(async function () {
        ;({store} = storeOn(await resticRepository(backend)))
      })

      it('writes a version from a stream', async function () {
        const seen: number[] = []
        written = await write(store, item, data, {last: 3}, (total) => seen.push(total))
        expect(written).to.deep.include({bytes: data.length, sha256: sha256(data), removed: [], undated: []})
        expect(written.file).to.match(/^[0-9a-f]{8}:\/shop\/db\/mysql\/all-databases\.sql$/)
        expect(Date.parse(written.created)).to.be.closeTo(Date.now(), 60_000)
        expect(seen.at(-1)).to.equal(data.length)
      })

      it('lists it as version 1 with its manifest', async function () {
        const items = await store.list()
        expect(items.map((i) => [i.host, i.project, i.service, i.folder, i.item])).to.deep.equal([[HOST, 'shop', 'db', 'mysql', 'all-databases']])
        const [version] = items[0]!.versions
        expect(version).to.deep.include({number: 1, bytes: data.length, sha256: sha256(data), created: written.created, file: written.file})
        expect(version!.manifest).to.deep.equal({
          format: 1, project: 'shop', service: 'db', scheme: 'backup_mysql', item: 'all-databases', source: 'mysqldump (test)', backupbot: '0.0.0-test',
          file: '/shop/db/mysql/all-databases.sql', bytes: data.length, sha256: sha256(data), created: written.created,
        })
        listed = (await store.version(item, 1))!
        expect(listed).to.deep.include({snapshot: version!.snapshot, sha256: sha256(data)})
        expect(await store.version(item, 2)).to.equal(undefined)
      })

      it('reads it back byte for byte, and its integrity check passes (and fails on a wrong record)', async function () {
        const opened = store.open(listed)
        expect(opened).to.include({file: written.file, number: 1})
        expect((await readAll(opened.content())).equals(data)).to.equal(true)
        const artifact = toArtifact(opened)
        await store.checkIntegrity(artifact)
        const wrong = {...artifact, manifest: {...artifact.manifest, sha256: sha256(Buffer.from('something else'))}}
        expect((await failure(store.checkIntegrity(wrong))).message).to.include('checksum mismatch')
      })

      it('passes restic check, reading all data', async function () {
        expect(await store.check!({readData: true})).to.deep.equal(['restic check --read-data'])
      })
    })
  }

  describe('local repository', function () {
    let repo: ResticRepository
    let store: Store

    before(async function () {
      repo = await localResticRepository()
      ;({store} = storeOn(repo))
    })

    it('keeps nothing of a write whose producer fails midway, and rejects with its error', async function () {
      const before = await snapshotsIn(repo)
      const broken = new Error('mysqldump: lost connection')
      const manifest = {project: 'shop', service: 'db', scheme: 'backup_mysql', item: 'failing', source: 'test', backupbot: '0'}
      const rejected = await failure(
        store.write(key('failing'), {extension: '.sql', manifest, retention: {last: 1}}, async (out) => {
          await new Promise((resolve) => out.write(randomBytes(200 * 1024), resolve))
          throw broken
        }),
      )
      expect(rejected).to.equal(broken)
      expect(await snapshotsIn(repo)).to.deep.equal(before)
      expect(itemNamed(await store.list(), 'failing')).to.equal(undefined)
    })

    it('applies retention: {last: 2} after 3 writes keeps 2 versions and their data', async function () {
      const writes: WrittenVersion[] = []
      for (let i = 0; i < 3; i++) writes.push(await write(store, key('kept'), randomBytes(50_000), {last: 2}))
      expect(writes.map((w) => w.removed)).to.deep.equal([[], [], [writes[0]!.created]])
      const versions = itemNamed(await store.list(), 'kept')!.versions
      expect(versions.map((v) => [v.number, v.sha256])).to.deep.equal([
        [1, writes[2]!.sha256],
        [2, writes[1]!.sha256],
      ])
      // 2 data + 2 manifest snapshots: the first version's data went with its manifest.
      const left = await snapshotsIn(repo, 'kept')
      expect(left).to.have.length(4)
      expect(left.map((s) => s.id)).to.include.members(versions.map((v) => v.snapshot!))
    })

    it('keeps everything when a version is under half the size of the one before', async function () {
      await write(store, key('shrinking'), randomBytes(100_000), {last: 1})
      const small = await write(store, key('shrinking'), randomBytes(40_000), {last: 1})
      expect(small).to.deep.include({shrank: {previousBytes: 100_000}, removed: []})
      expect(itemNamed(await store.list(), 'shrinking')!.versions.map((v) => v.bytes)).to.deep.equal([40_000, 100_000])
      expect(await snapshotsIn(repo, 'shrinking')).to.have.length(4)
    })

    it('tells what retention would remove, removing nothing', async function () {
      const first = await write(store, key('would'), randomBytes(10_000))
      await write(store, key('would'), randomBytes(10_000))
      const before = await snapshotsIn(repo)
      expect(await store.wouldRemove(key('would'), {last: 1})).to.deep.equal([first.created])
      expect(await store.wouldRemove(key('would'), {last: 2})).to.deep.equal([])
      expect(await store.wouldRemove(key('would'), {})).to.deep.equal([])
      // An item without versions yet (a first backup with --dry-run).
      expect(await store.wouldRemove(key('never-written'), {last: 1})).to.deep.equal([])
      expect(await snapshotsIn(repo)).to.deep.equal(before)
    })

    it('keeps each machine’s versions apart in one repository', async function () {
      const beta = storeOn(repo, {host: 'bbtest-beta'}).store
      const ours = randomBytes(5_000)
      const theirs = randomBytes(5_000)
      await write(store, key('shared'), ours)
      await write(beta, key('shared'), theirs)
      const own = await store.list()
      expect(itemNamed(own, 'shared')!.versions.map((v) => v.sha256)).to.deep.equal([sha256(ours)])
      expect(own.every((i) => i.host === HOST)).to.equal(true)
      expect((await beta.list()).map((i) => [i.host, i.item])).to.deep.equal([['bbtest-beta', 'shared']])
      const all = await store.list({allHosts: true})
      expect(itemNamed(all, 'shared', HOST)!.versions.map((v) => v.sha256)).to.deep.equal([sha256(ours)])
      expect(itemNamed(all, 'shared', 'bbtest-beta')!.versions.map((v) => v.sha256)).to.deep.equal([sha256(theirs)])
      expect(await store.version(key('shared'), 1, {host: 'bbtest-beta'})).to.deep.include({sha256: sha256(theirs)})
      expect(await store.version(key('shared'), 1)).to.deep.include({sha256: sha256(ours)})
      expect(await store.version(key('shared'), 1, {host: 'bbtest-gamma'})).to.equal(undefined)
    })

    it('never lists the data of an interrupted write, and forgets it with the next write once its process is gone', async function () {
      await write(store, key('interrupted'), randomBytes(5_000))
      // What backupbot killed mid-stream leaves: a data snapshot with no manifest.
      const identity = identityOf(key('interrupted'))
      const orphan = async (write: string, pid: number) => {
        const tags = dataTags(identity, write).map((t) => (t.startsWith('bb-pid=') ? `bb-pid=${pid}` : t))
        const args = ['backup', '--stdin', '--stdin-filename', dataPath(identity, '.sql').slice(1), '--host', HOST, ...tags.flatMap((t) => ['--tag', t]), '--json']
        const summary = (await repo.restic(args, {input: randomBytes(3_000)})).stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line)).at(-1)
        return (await snapshotsIn(repo, 'interrupted')).find((s) => s.id.startsWith(summary.snapshot_id))!.id
      }
      const gone = await orphan('00000000000000d0', spawnSync(process.execPath, ['-e', '']).pid!)
      // Another backup on this machine that is still on its way to its manifest.
      const running = await orphan('00000000000000a1', process.ppid)
      expect(itemNamed(await store.list(), 'interrupted')!.versions).to.have.length(1)
      expect(await store.version(key('interrupted'), 2)).to.equal(undefined)
      await write(store, key('interrupted'), randomBytes(5_000), {last: 5})
      const ids = (await snapshotsIn(repo, 'interrupted')).map((s) => s.id)
      expect(ids).to.not.include(gone)
      expect(ids).to.include(running)
      expect(ids).to.have.length(5)
      expect(itemNamed(await store.list(), 'interrupted')!.versions).to.have.length(2)
    })

    it('leaves a repository that restic check finds clean', async function () {
      expect((await repo.restic(['check'])).stdout).to.include('no errors were found')
      expect(await store.check!({readData: false})).to.deep.equal(['restic check'])
    })
  })

  describe('refusals and failures', function () {
    let repo: ResticRepository

    before(async function () {
      repo = await localResticRepository()
    })

    it('no repository: exit code 2 and the restic init that creates it', async function () {
      const missing = await localResticRepository({init: false})
      const error = await failure(storeOn(missing).store.lock())
      expect(error).to.include({exitCode: 2, message: `there is no restic repository at ${missing.repository}`})
      expect(error.suggestions!.join('\n')).to.include(`restic init --repository-version 2 --repo ${missing.repository}`)
    })

    it('a wrong password: exit code 2', async function () {
      const error = await failure(openStore(repo.repository, envOf(repo, {RESTIC_PASSWORD: 'not the password'})).store.list())
      expect(error).to.include({exitCode: 2, message: `wrong password for the restic repository ${repo.repository}`})
    })

    it('no password in the environment: exit code 2 before restic runs', async function () {
      // Without restic on PATH: had it been started, the error would say it is not installed.
      const env = envOf(repo, {RESTIC_PASSWORD: undefined, PATH: '/nonexistent'})
      const error = await failure(openStore(repo.repository, env).store.lock())
      expect(error).to.include({exitCode: 2, message: `no password for the restic repository ${repo.repository}`})
    })

    it('no restic on PATH: exit code 2 with how to install it', async function () {
      const error = await failure(openStore(repo.repository, envOf(repo, {PATH: '/nonexistent'})).store.lock())
      expect(error).to.include({exitCode: 2})
      expect(error.message).to.include('restic is not installed')
      expect(error.suggestions!.join('\n')).to.match(/install it: apt-get install restic/)
    })

    it('a REST server that does not answer: a failure without exit code 2 (unavailable, not bad input)', async function () {
      const location = `rest:http://127.0.0.1:${await freePort()}/repo/`
      const error = await failure(openStore(location, envOf(repo)).store.lock())
      expect(error.exitCode).to.equal(undefined)
      expect(error.message).to.include(`(repository ${location})`).and.match(/connection refused/)
    })

    describe('a REST repository with user:password in its URL', function () {
      const {password} = REST_HTTP_AUTH
      const forms = [password, encodeURIComponent(password)]
      let authRepo: ResticRepository
      let masked: string

      before(async function () {
        authRepo = await restResticRepository({httpAuth: true})
        masked = authRepo.repository.replace(`:${encodeURIComponent(password)}@`, ':***@')
        expect(masked).to.not.equal(authRepo.repository)
      })

      /** Nothing the store shows or says holds the password, in either form. */
      function expectMasked(...shown: unknown[]) {
        const text = JSON.stringify(shown)
        for (const form of forms) expect(text).to.not.include(form)
      }

      it('works, and shows and logs its location with the password masked', async function () {
        const {store, log, secrets} = openStore(authRepo.repository, envOf(authRepo), {prune: true})
        expect(store.location).to.equal(`restic:${masked}`)
        expect(secrets).to.include.members(forms)
        const release = await store.lock()
        const first = await write(store, key('auth'), randomBytes(20_000), {last: 1})
        const second = await write(store, key('auth'), randomBytes(20_000), {last: 1})
        expect(second.removed).to.deep.equal([first.created])
        // Retention removed a version: releasing the lock prunes, and says so.
        await release()
        expect(log.lines).to.deep.equal([`info: restic:${masked}: restic prune (freeing what retention removed)`])
        const items = await store.list()
        expect(items.map((i) => i.versions.length)).to.deep.equal([1])
        expectMasked(store.location, store.where(key('auth')), items, first, second, log.lines)
      })

      it('masks the password in errors: no repository, a wrong repository password, a wrong HTTP password', async function () {
        const missing = authRepo.repository.replace(/\/[^/]+\/$/, '/bbtest-missing/')
        const wrongHttp = authRepo.repository.replace(`:${encodeURIComponent(password)}@`, ':not%20it@')
        const errors = [
          await failure(openStore(missing, envOf(authRepo)).store.lock()),
          await failure(openStore(authRepo.repository, envOf(authRepo, {RESTIC_PASSWORD: 'not the password'})).store.lock()),
          await failure(openStore(wrongHttp, envOf(authRepo)).store.lock()),
        ]
        expect(errors.map((e) => e.exitCode)).to.deep.equal([2, 2, 2])
        expect(errors[0]!.message).to.equal(`there is no restic repository at ${masked.replace(/\/[^/]+\/$/, '/bbtest-missing/')}`)
        expect(errors[1]!.message).to.equal(`wrong password for the restic repository ${masked}`)
        // Not the restic init of a missing repository.
        expect(errors[2]!.message).to.match(/refused the credentials: .*\(401\)/)
        expectMasked(errors.map((e) => [e.message, e.suggestions, e.stack]))
        expect(JSON.stringify(errors.map((e) => [e.message, e.suggestions]))).to.not.include('not%20it').and.not.include('not it')
      })
    })
  })
})
