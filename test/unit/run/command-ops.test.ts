// RunContext.commands: the plumbing every database scheme shares (the running container, a
// command's output collected with bounded tails, a command's output streamed into the artifact,
// input fed and stopped on an interrupt), over a fake engine.
import {expect} from 'chai'
import {PassThrough, Readable, Writable} from 'node:stream'

import {createCommandOps} from '../../../src/run/command-ops.js'
import type {ContainerRef, ExecOptions} from '../../../src/scheme.js'
import {collect, execHandle, type FakeExec, fakeDocker, recordingLogger} from '../../../src/testing/index.js'

const db: ContainerRef = {id: 'c1', name: 'p_db_1', running: true, service: 'db'}

function ops(answer: (cmd: string[], options?: ExecOptions) => FakeExec, containers: ContainerRef[] = [db]) {
  const controller = new AbortController()
  const log = recordingLogger()
  const calls: Array<{cmd: string[]; options?: ExecOptions}> = []
  const docker = fakeDocker({
    containers: {ofService: async () => containers},
    async exec(_container, cmd, options) {
      calls.push({cmd, options})
      return execHandle(answer(cmd, options))
    },
  })
  return {commands: createCommandOps({docker, signal: controller.signal, log, scheme: 'backup_test'}), controller, log, calls}
}

describe('running commands in a service container (RunContext.commands)', function () {
  describe('runningContainer', function () {
    it('gives the first running container and says so when several run', async function () {
      const other = {...db, id: 'c2', name: 'p_db_2'}
      const {commands, log} = ops(() => ({}), [{...db, running: false, id: 'c0'}, db, other])
      expect(await commands.runningContainer('db')).to.equal(db)
      expect(log.lines).to.deep.equal(['info: db: 2 containers are running; using p_db_1'])
    })

    it('fails clearly, naming the service, the scheme and how to start it, when none runs', async function () {
      const {commands} = ops(() => ({}), [{...db, running: false}])
      const error = await commands.runningContainer('db').catch((e: Error) => e)
      expect((error as Error).message).to.equal(
        "service db has no running container: backup_test works through the service's running container, start it first (docker compose up -d db)",
      )
    })
  })

  describe('run', function () {
    it('collects stdout, stderr and the exit code; a non-zero exit is a result, not an error', async function () {
      const {commands, calls} = ops(() => ({stdout: 'rows\n', stderr: 'warning\nERROR: broken\n', exitCode: 3}))
      const result = await commands.run(db, ['psql', '-c', 'x'], {env: {PGPASSWORD: 's'}})
      expect(result).to.deep.equal({code: 3, stdout: 'rows\n', stderr: 'warning\nERROR: broken\n', message: 'warning | ERROR: broken'})
      expect(calls[0]!.options?.env).to.deep.equal({PGPASSWORD: 's'})
    })

    it("keeps only the end of long output, and the engine's message for a program it could not start", async function () {
      const {commands} = ops(() => ({stdout: `${'x'.repeat(100_000)}\nOCI runtime exec failed: "pg_restore": executable file not found in $PATH\n`, exitCode: 127}))
      const result = await commands.run(db, ['pg_restore'], {keep: 1024})
      expect(result.stdout.length).to.equal(1024)
      expect(result.message).to.contain('executable file not found')
    })

    it('hands every stderr line to onStderrLine, cut at 4 KiB, while keeping the tail', async function () {
      const lines: string[] = []
      const {commands} = ops(() => ({stderr: `a\n${'b'.repeat(5000)}\nlast`}))
      const result = await commands.run(db, ['psql'], {onStderrLine: (l) => lines.push(l)})
      expect(lines.map((l) => l.length)).to.deep.equal([1, 4096, 4])
      expect(result.stderr.endsWith('last')).to.equal(true)
    })

    it('feeds the input and destroys it when backupbot is interrupted, saying what was interrupted', async function () {
      const input = new PassThrough()
      input.write('INSERT ...;\n')
      const stdout = new PassThrough()
      const {commands, controller} = ops((_cmd, options) => {
        // Like the engine: the connection breaks when the input fails.
        options!.stdin!.on('error', (error) => stdout.destroy(error))
        return {stdout}
      })
      const done = commands.run(db, ['psql'], {input, doing: 'restoring database shop'}).catch((e: Error) => e)
      setTimeout(() => controller.abort(new Error('interrupted')), 20)
      const error = await done
      expect((error as Error).message).to.equal('restoring database shop in p_db_1 was interrupted')
      expect(input.destroyed).to.equal(true)
    })

    it('says the command broke off when its output fails, and closes the input', async function () {
      const input = Readable.from(['x'])
      const stdout = new Readable({read() {
        this.destroy(new Error('connection reset'))
      }})
      const {commands} = ops(() => ({stdout}))
      const error = await commands.run(db, ['/usr/bin/mariadb'], {input}).catch((e: Error) => e)
      expect((error as Error).message).to.equal('mariadb in p_db_1 broke off (connection reset)')
      expect(input.destroyed).to.equal(true)
    })

    it('survives an interrupt while the exec is still starting: the input is destroyed, nothing crashes, the run says it was interrupted', async function () {
      const input = new PassThrough()
      const controller = new AbortController()
      const docker = fakeDocker({
        containers: {ofService: async () => [db]},
        async exec(_container, _cmd, options) {
          controller.abort(new Error('interrupted'))
          await new Promise((resolve) => setTimeout(resolve, 20))
          options!.stdin!.on('error', () => {})
          return execHandle({})
        },
      })
      const commands = createCommandOps({docker, signal: controller.signal, log: recordingLogger(), scheme: 'backup_test'})
      const error = await commands.run(db, ['psql'], {input, doing: 'restoring database shop'}).catch((e: Error) => e)
      expect((error as Error).message).to.equal('restoring database shop in p_db_1 was interrupted')
      expect(input.destroyed).to.equal(true)
    })

    it('stops waiting for a command without input when backupbot is interrupted', async function () {
      const stdout = new PassThrough()
      const {commands, controller} = ops(() => ({stdout}))
      const done = commands.run(db, ['psql', '-c', 'SELECT pg_sleep(3600)']).catch((e: Error) => e)
      setTimeout(() => controller.abort(), 20)
      expect(((await done) as Error).message).to.equal('psql in p_db_1 was interrupted')
      expect(stdout.destroyed).to.equal(true)
    })

    it('starts nothing once backupbot is interrupted', async function () {
      const {commands, controller, calls} = ops(() => ({}))
      controller.abort()
      expect(await commands.run(db, ['true']).catch((e: Error) => e)).to.be.instanceOf(Error)
      expect(calls).to.deep.equal([])
    })
  })

  describe('streamTo', function () {
    it('writes the whole output into the artifact and keeps its first and last bytes', async function () {
      const body = `PGDMP${'x'.repeat(50_000)}-- the end\n`
      const chunks = body.match(/[\s\S]{1,999}/g)!.map((c) => Buffer.from(c))
      const {commands} = ops(() => ({stdout: Readable.from(chunks), stderr: 'pg_dump: warning\n'}))
      const out = collect()
      const result = await commands.streamTo(out.out, db, ['pg_dump'], {head: 5, tail: 11})
      expect(out.text()).to.equal(body)
      expect(result.head.toString()).to.equal('PGDMP')
      expect(result.tail.toString()).to.equal('-- the end\n')
      expect(result).to.include({code: 0, stderr: 'pg_dump: warning\n', message: 'pg_dump: warning'})
    })

    it('reports the exit code and the message, with the engine message for a missing program', async function () {
      const {commands} = ops(() => ({stdout: 'OCI runtime exec failed: "pg_dump": executable file not found\n', exitCode: 127}))
      const result = await commands.streamTo(collect().out, db, ['pg_dump'])
      expect(result.code).to.equal(127)
      expect(result.message).to.contain('executable file not found')
    })

    it('fails when the artifact cannot be written, naming the program', async function () {
      const {commands} = ops(() => ({stdout: 'data'}))
      const out = new Writable({write: (_chunk, _encoding, callback) => callback(new Error('disk full'))})
      const error = await commands.streamTo(out, db, ['/usr/bin/mariadb-dump']).catch((e: Error) => e)
      expect((error as Error).message).to.equal('mariadb-dump output could not be written: disk full')
    })

    it('stops at once when backupbot is interrupted', async function () {
      const stdout = new PassThrough()
      stdout.write('partial')
      const {commands, controller} = ops(() => ({stdout}))
      const done = commands.streamTo(collect().out, db, ['pg_dump']).catch((e: Error) => e)
      setTimeout(() => controller.abort(), 20)
      expect(((await done) as Error).name).to.equal('AbortError')
    })
  })

  describe('save', function () {
    it('streams a command that is already running into the artifact', async function () {
      const {commands} = ops(() => ({}))
      const out = collect()
      const result = await commands.save(execHandle({stdout: 'tar bytes', stderr: 'tar: removing leading /\n', exitCode: 2}), out.out)
      expect(out.text()).to.equal('tar bytes')
      expect(result).to.include({code: 2, message: 'tar: removing leading /'})
    })
  })
})
