// Proves the restic test bed (test/support/restic-servers.ts): on each backend restic 0.14 can
// init, back up a stream, list, dump and check a repository on a real server on 127.0.0.1, with
// the password in restic's environment and in no process's arguments.
import {expect} from 'chai'
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {PassThrough} from 'node:stream'

import {waitUntil} from '../support/compose.js'
import {procEntries} from '../support/processes.js'
import {
  RESTIC_BACKENDS,
  type ResticRepository,
  localResticRepository,
  requireResticBackends,
  resticRepository,
  runningResticServers,
  stopResticServers,
} from '../support/restic-servers.js'

/** A small dump: text, then every byte value (so a text-mangling step would show). */
const DUMP = Buffer.concat([
  Buffer.from("-- backupbot restic test bed\nINSERT INTO t VALUES (1, 'é');\n"),
  Buffer.from(Array.from({length: 256}, (_, i) => i)),
])

describe('restic test bed', function () {
  this.timeout(120_000)

  before(function () {
    requireResticBackends(this)
  })

  for (const backend of RESTIC_BACKENDS) {
    describe(backend, function () {
      let repo: ResticRepository
      let snapshotId: string

      before(async function () {
        repo = await resticRepository(backend, {init: false})
      })

      it('restic init', async function () {
        const {stdout} = await repo.restic(['init'])
        expect(stdout).to.match(/created restic repository [0-9a-f]+ at /)
        expect(stdout).to.include(repo.repository)
        if (backend !== 's3') expect(existsSync(`${repo.storage}/config`)).to.equal(true)
      })

      it('restic backup --stdin, with the password only in the environment', async function () {
        const input = new PassThrough()
        const backup = repo.restic(['backup', '--json', '--stdin', '--stdin-filename', 'x/y.sql', '--tag', 'bbtest'], {input})
        input.write(DUMP.subarray(0, 10))
        // While restic waits for the rest of the stream: its process and every other one.
        const restic = await waitUntil(
          async () => (await procEntries()).find((p) => p.cmdline[0]?.endsWith('restic') && p.cmdline.includes(repo.repository)),
          {timeoutMs: 20_000, intervalMs: 50, what: 'the restic backup process'},
        )
        const environ = (await readFile(`/proc/${restic.pid}/environ`)).toString('utf8').split('\0')
        expect(environ).to.include(`RESTIC_PASSWORD=${repo.env.RESTIC_PASSWORD}`)
        const secrets = Object.entries(repo.env)
          .filter(([key]) => key === 'RESTIC_PASSWORD' || key === 'AWS_SECRET_ACCESS_KEY')
          .map(([, value]) => value)
        expect(secrets).to.have.length(backend === 's3' ? 2 : 1)
        for (const {pid, cmdline} of await procEntries()) {
          for (const secret of secrets) {
            expect(cmdline.join(' '), `argv of pid ${pid}`).to.not.include(secret)
          }
        }

        input.end(DUMP.subarray(10))
        const {stdout, argv} = await backup
        for (const secret of secrets) expect(argv.join(' ')).to.not.include(secret)
        const summary = stdout
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as {message_type: string; snapshot_id?: string; total_bytes_processed?: number})
          .find((m) => m.message_type === 'summary')
        expect(summary?.total_bytes_processed).to.equal(DUMP.length)
        // restic 0.14's summary names the snapshot by its short id.
        snapshotId = summary!.snapshot_id!
        expect(snapshotId).to.match(/^[0-9a-f]{8}$/)
      })

      it('restic snapshots --json lists it', async function () {
        const snapshots = JSON.parse((await repo.restic(['snapshots', '--json'])).stdout) as {short_id: string; paths: string[]; tags?: string[]}[]
        expect(snapshots).to.have.length(1)
        expect(snapshots[0]).to.deep.include({short_id: snapshotId, paths: ['/x/y.sql'], tags: ['bbtest']})
      })

      it('restic dump latest x/y.sql gives the bytes back', async function () {
        const {stdoutBuffer} = await repo.restic(['dump', 'latest', 'x/y.sql'])
        expect(stdoutBuffer.equals(DUMP)).to.equal(true)
      })

      it('restic check passes', async function () {
        const {stdout} = await repo.restic(['check'])
        expect(stdout).to.include('no errors were found')
      })

      it('a wrong password is refused', async function () {
        const r = await repo.restic(['snapshots'], {env: {RESTIC_PASSWORD: 'not the password'}, reject: false})
        expect(r.exitCode).to.not.equal(0)
        expect(r.stderr).to.match(/wrong password|no key found/i)
      })
    })
  }

  // After the backends' suites (mocha runs a suite's own tests before its nested suites).
  describe('helpers', function () {
    let local: ResticRepository

    it('give a new repository per call, on one server per backend started once', async function () {
      const servers = await runningResticServers()
      expect(servers.map((s) => s.backend).sort()).to.deep.equal(['rest', 's3', 'sftp'])
      for (const backend of RESTIC_BACKENDS) {
        const a = await resticRepository(backend, {init: false})
        const b = await resticRepository(backend, {init: false})
        expect(a.repository).to.not.equal(b.repository)
        expect(a.options).to.deep.equal(b.options)
      }

      expect(await runningResticServers()).to.deep.equal(servers)
    })

    it('run restic init by default', async function () {
      local = await localResticRepository()
      expect(JSON.parse((await local.restic(['snapshots', '--json'])).stdout)).to.deep.equal([])
    })

    it('stopResticServers() kills the servers and removes their files; the next call starts anew', async function () {
      const running = await runningResticServers()
      await stopResticServers()
      for (const server of running) {
        expect(existsSync(`/proc/${server.pid}`), `${server.backend} server pid ${server.pid}`).to.equal(false)
        expect(existsSync(server.dir)).to.equal(false)
      }

      expect(existsSync(local.storage)).to.equal(false)
      expect(existsSync(local.env.RESTIC_CACHE_DIR!)).to.equal(false)
      expect(await runningResticServers()).to.deep.equal([])
      const again = await resticRepository('rest')
      const restarted = await runningResticServers()
      expect(restarted.map((s) => s.backend)).to.deep.equal(['rest'])
      expect(restarted[0]!.pid).to.not.equal(running.find((s) => s.backend === 'rest')!.pid)
      await again.restic(['check'])
    })
  })
})
