// The database schemes, backup_mysql against MariaDB and backup_postgres against PostgreSQL, each
// against a real server in a real compose project, through the real CLI. One set of scenarios;
// what differs per engine is in helpers/database-engines.ts, and the few scenarios only one engine
// has are marked by `engine.kind`. backup_postgres is not a core plugin: it is packed
// (`npm pack`) and installed with `backupbot plugins:install file:...` into an isolated
// BACKUPBOT_DATA_DIR first, as a user would.
//
// Backing up: streamed dumps from the running service (no downtime) that restore into a fresh
// server with identical rows, failures that keep no version, and a password that never shows.
// Restoring: a dump goes back into the running service with identical rows, an older version
// brings back the older rows, --to fills another database and leaves the original alone, a
// database that holds data is only replaced with --force, and `verify` catches a dump cut short
// even when its checksum matches. Each engine has one compose project for backing up and one for
// restoring, each shared by its cases; all engines' start together at the beginning.
import {expect} from 'chai'
import {createHash, randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {cp, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {gunzipSync, gzipSync} from 'node:zlib'
import {execa} from 'execa'

import {runCli, spawnCli} from '../support/cli.js'
import {type ComposeProject, cleanupTestResources, startComposeProject, waitUntil} from '../support/compose.js'
import {DATABASE_ENGINES, type DatabaseEngine, type FreshServer, type Item} from '../support/database-engines.js'
import {docker, requireEngine, requireImages} from '../support/engine.js'
import {removeFreshServers} from '../support/fresh-servers.js'
import {installPackedPlugin, isolatedBackupbot} from '../support/plugin-install.js'

const WRONG_PASSWORD = 'Wr0ng-Pa55-q8Lz3'
/** Dumps in any format: none may be written inside the database's container. */
const DUMP_FILES = '\\( -name "*.sql" -o -name "*.sql.gz" -o -name "*.dump" \\)'

/** What one engine's scenarios share. */
interface EngineSetup {
  work: string
  /** An isolated backupbot, with the engine's plugin installed if it is not a core one. */
  cliEnv: Record<string, string>
  /** One service for the backups and one for the restores (which replace its databases). */
  backupProject: ComposeProject
  restoreProject: ComposeProject
  /** A server outside compose to restore dumps into. */
  fresh: FreshServer
}

describe('database schemes', function () {
  const setups = new Map<DatabaseEngine, Promise<EngineSetup>>()
  const workDirs: string[] = []

  before(async function () {
    this.timeout(120_000)
    await requireEngine()
    await cleanupTestResources()
    // Every engine's services start now; each engine's part awaits only its own, so the later
    // ones come up while the first one's cases run.
    for (const engine of DATABASE_ENGINES) {
      const setup = setUp(engine, workDirs)
      setup.catch(() => {}) // reported by the engine's own hook, which awaits it
      setups.set(engine, setup)
    }
  })

  after(async function () {
    this.timeout(120_000)
    await Promise.allSettled(setups.values())
    // The work dirs first: they hold no engine state, and a failing cleanup must not leave them behind.
    for (const dir of workDirs) await rm(dir, {recursive: true, force: true})
    await removeFreshServers()
    await cleanupTestResources()
  })

  for (const engine of DATABASE_ENGINES) {
    const {scheme, folder} = engine

    describe(`${scheme}: dumps of a running ${engine.server} service, restored and verified`, function () {
      this.timeout(180_000)
      let work: string
      let cliEnv: Record<string, string>
      let backupProject: ComposeProject
      let restoreProject: ComposeProject
      let fresh: FreshServer

      /** Runs the CLI with --json in the project's directory; the output parsed as `json`. */
      async function cli(project: ComposeProject, args: string[]) {
        const result = await runCli([...args, '--json'], {cwd: project.dir, env: cliEnv, reject: false})
        return {...result, json: parseJson(result.stdout)}
      }

      /** A scheme config for the service `db`, written to a file; returns its path. */
      async function configFile(...items: Item[]): Promise<string> {
        const file = path.join(work, `config-${randomBytes(3).toString('hex')}.json`)
        await writeFile(file, JSON.stringify({db: items.map((item) => ({type: scheme, ...item}))}, null, 2))
        return file
      }

      before(async function () {
        this.timeout(300_000)
        ;({work, cliEnv, backupProject, restoreProject, fresh} = await setups.get(engine)!)
      })

      after(async function () {
        this.timeout(120_000)
        await Promise.all([backupProject?.down(), restoreProject?.down(), fresh && removeFreshServers([fresh.name])])
      })

      if (engine.plugin) {
        const plugin = engine.plugin.name
        it(`is provided by the installed ${plugin}`, async function () {
          const {stdout} = await runCli(['schemes', '--json'], {cwd: work, env: cliEnv})
          const schemes = JSON.parse(stdout).schemes as Array<{type: string; plugin: string}>
          expect(schemes.find((s) => s.type === scheme)).to.include({plugin})
        })
      }

      describe('backing up', function () {
        let project: ComposeProject
        let target: string

        const backup = async (items: Item[], into = target) => cli(project, ['backup', '--config', await configFile(...items), '--target', into])
        const sql = async (input: string, database?: string) => (await engine.appSql(project, input, database)).stdout
        const snapshot = () => sql(engine.snapshot)
        const dumpOf = (into: string, item: string) => readFile(path.join(into, 'db', folder, item, `${item}.1`, `${item}.sql.gz`))

        before(async function () {
          project = backupProject
          target = path.join(work, 'backups')
          await sql(engine.anotherRow)
        })

        describe('dumps with key references', function () {
          let result: Awaited<ReturnType<typeof backup>>
          let startedBefore: string

          before(async function () {
            startedBefore = await startedAt(project)
            // DUMP_USER comes from docker-compose's environment, which only the container knows.
            result = await backup([engine.appItem, engine.dumpUserItem])
          })

          it('succeeds with one .sql.gz version per item', function () {
            expect(result.exitCode, result.stderr).to.equal(0)
            expect(result.json.ok).to.equal(true)
            const items = result.json.items as Array<Record<string, unknown>>
            expect(items.map((i) => [i.service, i.scheme, i.item, i.status])).to.deep.equal([
              ['db', scheme, 'shop', 'ok'],
              ['db', scheme, 'all-databases', 'ok'],
            ])
            expect(items[0]!.file).to.equal(path.join(target, 'db', folder, 'shop', 'shop.1', 'shop.sql.gz'))
            expect(items[1]!.file).to.equal(path.join(target, 'db', folder, 'all-databases', 'all-databases.1', 'all-databases.sql.gz'))
          })

          it('keeps the service running: same container, same StartedAt', async function () {
            expect(await startedAt(project)).to.equal(startedBefore)
          })

          it('writes a plain single-database dump (no CREATE DATABASE) that ends with the trailer', async function () {
            const dump = gunzipSync(await dumpOf(target, 'shop')).toString('utf8')
            for (const text of engine.dumpShows) expect(dump).to.contain(text)
            expect(dump).not.to.match(engine.dumpNever)
            expect(dump.trimEnd()).to.match(engine.trailerAtEnd)
          })

          it(`restores into a fresh ${engine.server} under another database name with identical rows, trigger and routine`, async function () {
            await fresh.sql(engine.freshPrepare, engine.serverDatabase)
            await fresh.sql(gunzipSync(await dumpOf(target, 'shop')), 'restored')
            const original = await snapshot()
            for (const text of engine.snapshotShows.texts) expect(original).to.contain(text)
            expect(original.split('\n')).to.include.members(engine.snapshotShows.lines)
            expect(await fresh.sql(engine.snapshot, 'restored')).to.equal(original)
          })

          it('dumps every database as the user only the container knows (DUMP_USER), ending with the trailer', async function () {
            const dump = gunzipSync(await dumpOf(target, 'all-databases')).toString('utf8')
            for (const pattern of engine.allDumpShows) expect(dump).to.match(pattern)
            expect(dump.trimEnd()).to.match(engine.allTrailerAtEnd)
          })

          if (engine.kind === 'postgres') {
            it('restores the pg_dumpall dump of the whole cluster, made over TCP, into a fresh server with identical rows', async function () {
              const dump = await dumpOf(target, 'all-databases')
              // No ON_ERROR_STOP: the role created above already exists, as `postgres` would on any server.
              await execa('docker', ['exec', '-i', fresh.name, 'psql', '-X', '-q', '-U', 'postgres', '-d', 'postgres'], {input: gunzipSync(dump)})
              expect(await fresh.sql(engine.snapshot, 'shop')).to.equal(await snapshot())
            })
          }

          it('leaves nothing running or written inside the container', async function () {
            const info = await docker().getContainer(await project.containerId('db')).inspect()
            for (const execId of info.ExecIDs ?? []) {
              expect((await docker().getExec(execId).inspect()).Running, `exec ${execId}`).to.equal(false)
            }
            // No dump file anywhere but the database's own files (the dump went out through stdout).
            const {stdout} = await project.exec('db', ['sh', '-c', `find / -xdev -type f ${DUMP_FILES} 2>/dev/null | grep -v ^/usr/share || true`])
            expect(stdout.trim()).to.equal('')
          })
        })

        if (engine.kind === 'postgres') {
          describe('format custom', function () {
            it('stores pg_dump\'s custom archive as .dump, which pg_restore restores with identical rows', async function () {
              const customTarget = path.join(work, 'custom-target')
              const result = await backup([{database: 'shop', user: engine.appUser, password: 'db.environment.POSTGRES_PASSWORD', format: 'custom', extra_args: ['--compress=9']}], customTarget)
              expect(result.exitCode, result.stderr).to.equal(0)
              const file = path.join(customTarget, 'db', folder, 'shop', 'shop.1', 'shop.dump')
              expect(result.json.items[0]).to.include({item: 'shop', status: 'ok', file})
              const archive = await readFile(file)
              expect(archive.subarray(0, 5).toString('latin1')).to.equal('PGDMP')

              await fresh.sql('CREATE DATABASE restored_custom;', 'postgres')
              // pg_restore reads the archive from standard input, as a restore from a pipe would.
              await execa('docker', ['exec', '-i', fresh.name, 'pg_restore', '--exit-on-error', '-U', 'postgres', '-d', 'restored_custom'], {input: archive})
              expect(await fresh.sql(engine.snapshot, 'restored_custom')).to.equal(await snapshot())
            })
          })
        }

        describe('when the dump fails', function () {
          it('reports the server\'s message for a wrong password, exits 1, keeps no version and never shows that password', async function () {
            const otherTarget = path.join(work, 'wrong-password-target')
            const result = await backup([{database: 'shop', user: engine.appUser, password: WRONG_PASSWORD, ...engine.passwordChecked}], otherTarget)
            expect(result.exitCode, result.stderr).to.equal(1)
            const [item] = result.json.items
            expect(item).to.include({item: 'shop', status: 'failed'})
            expect(item.error).to.match(engine.dumpFailed).and.to.contain(engine.wrongPassword(engine.appUser))
            expect(await versionsIn(path.join(otherTarget, 'db', folder, 'shop'))).to.deep.equal([])
            expect(result.stdout + result.stderr).not.to.contain(WRONG_PASSWORD)
          })

          it('reports an unknown database, exits 1 and keeps no version', async function () {
            const result = await backup([engine.unknownDatabaseItem])
            expect(result.exitCode, result.stderr).to.equal(1)
            const [item] = result.json.items
            expect(item).to.include({item: 'no_such_db', status: 'failed'})
            expect(item.error).to.match(engine.unknownDatabase)
            expect(await versionsIn(path.join(target, 'db', folder, 'no_such_db'))).to.deep.equal([])
          })

          it(`refuses ${engine.refusedExtraArg.arg} in extra_args before touching anything (exit 2)`, async function () {
            const otherTarget = path.join(work, 'refused-extra-args-target')
            const result = await backup([{database: 'shop', extra_args: [engine.refusedExtraArg.arg]}], otherTarget)
            expect(result.exitCode, result.stderr).to.equal(2)
            for (const text of engine.refusedExtraArg.says) expect(result.stdout + result.stderr).to.contain(text)
            expect(existsSync(otherTarget)).to.equal(false)
          })
        })

        describe('a dump that runs for a while', function () {
          const {longDump} = engine
          const hostPs = async () => (await execa('ps', ['-eo', 'args'], {reject: false})).stdout

          before(async function () {
            this.timeout(300_000)
            if (longDump.prepare) await sql(longDump.prepare)
          })

          it('never shows a password in host `ps`, the execs\' inspect data, stderr or --json output, and the service takes writes meanwhile', async function () {
            // With the password checked by the server, so that it is really used.
            const file = await configFile({...engine.appItem, ...engine.passwordChecked})
            const release = await longDump.hold(project)
            // Should the sampling below never see the dump, it must still end.
            const safety = setTimeout(() => void release(), 30_000)
            const child = spawnCli(['backup', '--config', file, '--target', target, '--json', '--verbose'], {cwd: project.dir, env: cliEnv})
            const containerId = await project.containerId('db')
            const seenArgs = new Set<string>()
            const seenExecs = new Map<string, string>()
            const leaks: string[] = []
            let writeDuringDump: {exitCode?: number; dumpStillRunning: boolean} | undefined
            let done = false
            void child.finally(() => (done = true)).catch(() => {})
            while (!done) {
              const ps = await hostPs()
              const dumping = longDump.running.test(ps)
              for (const line of ps.split('\n')) {
                // Every process on the host, not only the dump: none may carry a password.
                if (engine.secrets.some((secret) => line.includes(secret))) leaks.push(line)
                if (longDump.tool.test(line)) seenArgs.add(line)
              }
              const info = await docker().getContainer(containerId).inspect()
              for (const execId of info.ExecIDs ?? []) {
                const exec = await docker().getExec(execId).inspect().catch(() => undefined)
                if (exec) seenExecs.set(execId, JSON.stringify(exec))
              }
              if (dumping && !writeDuringDump) {
                // No downtime: the service takes writes while the dump runs.
                const {exitCode} = await engine.appSql(project, longDump.write)
                writeDuringDump = {exitCode, dumpStillRunning: longDump.running.test(await hostPs())}
                // Sample the running dump (below) once more, then let it finish.
                setTimeout(() => void release(), 300)
              }
            }
            const result = await child
            clearTimeout(safety)
            await release()
            expect(leaks, 'host processes showing a password').to.deep.equal([])
            expect(writeDuringDump).to.deep.equal({exitCode: 0, dumpStillRunning: true})
            expect(result.exitCode, String(result.stderr)).to.equal(0)
            // Sampling caught the dump itself: the checks below looked at the right process.
            const dumpLines = [...seenArgs].filter((line) => longDump.running.test(line))
            expect(dumpLines, [...seenArgs].join('\n')).to.not.be.empty
            for (const arg of longDump.args) expect(dumpLines.join('\n')).to.contain(arg)
            const execJson = [...seenExecs.values()]
            expect(execJson.some((j) => j.includes(longDump.execShows)), 'an exec of the dump was inspected').to.equal(true)
            for (const text of [...seenArgs, ...execJson, String(result.stdout), String(result.stderr)]) {
              for (const secret of engine.secrets) expect(text).not.to.contain(secret)
            }
            const json = JSON.parse(String(result.stdout))
            expect(json.items[0]).to.include({item: 'shop', status: 'ok'})
            expect(json.items[0].bytes).to.be.greaterThan(longDump.minBytes)
          })

          it('stops the dump in the container when backupbot is interrupted, and keeps no partial version', async function () {
            const itemDir = path.join(target, 'db', folder, 'shop')
            const before = await versionsIn(itemDir)
            const file = await configFile(engine.appItem)
            const release = await longDump.hold(project)
            const child = spawnCli(['backup', '--config', file, '--target', target], {cwd: project.dir, env: cliEnv})
            await waitUntil(async () => longDump.running.test(await hostPs()), {timeoutMs: 60_000, intervalMs: 20, what: 'the dump to start'})
            child.kill('SIGINT')
            const result = await child
            expect(result.exitCode, String(result.stderr)).to.equal(130)
            await release()
            // The exec's connection is closed, so the tool dies of the broken pipe (once it writes): nothing lingers.
            await waitUntil(async () => !longDump.running.test(await hostPs()), {timeoutMs: longDump.endsWithinMs, what: 'the dump process in the container to end'})
            expect(await versionsIn(itemDir)).to.deep.equal(before)
            expect((await readdir(itemDir)).filter((e) => e.startsWith('.tmp-'))).to.deep.equal([])
          })
        })
      })

      describe('restoring and verifying', function () {
        let project: ComposeProject
        /** Versions made as the application user: .2 = rows before, .1 = rows after one more insert. */
        let target: string
        /** The same two versions, made as the user that restores into another database (--to) use. */
        let toTarget: string
        let rowsBefore: string
        let rowsAfter: string
        const configs: Record<'own' | 'to' | 'all', string> = {own: '', to: '', all: ''}
        /** Targets besides `target` that verify must pass, with their number of versions. */
        const otherTargets: Array<[string, number]> = []

        const backup = (config: string, into: string) => cli(project, ['backup', '--config', config, '--target', into])
        const restore = (config: string, extra: string[] = [], from = target) =>
          cli(project, ['restore', 'db', config === configs.all ? 'all-databases' : 'shop', '--config', config, '--target', from, ...extra])
        const backupOk = async (config: string, into: string) => {
          const result = await backup(config, into)
          expect(result.exitCode, result.stderr).to.equal(0)
        }

        /** SQL as the server's superuser. */
        const sql = async (input: string, database?: string) => (await engine.adminSql(project, input, database)).stdout
        const snapshot = (database = 'shop') => sql(engine.snapshot, database)
        const databases = async () => (await sql(engine.listDatabases, engine.serverDatabase)).split('\n')
        const expectNoSecret = (text: string) => {
          for (const secret of engine.secrets) expect(text).not.to.contain(secret)
        }

        before(async function () {
          this.timeout(300_000)
          target = path.join(work, 'restore-backups')
          configs.own = await configFile(engine.appItem)
          configs.all = await configFile(engine.allItem)
          if (engine.toItem) {
            toTarget = path.join(work, 'restore-to-backups')
            configs.to = await configFile(engine.toItem)
            otherTargets.push([toTarget, 2])
          } else {
            toTarget = target
            configs.to = configs.own
          }
          project = restoreProject

          rowsBefore = await snapshot()
          const backups = async () => {
            await backupOk(configs.own, target)
            if (toTarget !== target) await backupOk(configs.to, toTarget)
          }
          await backups()
          await sql(engine.anotherRow)
          rowsAfter = await snapshot()
          await backups()
          expect(rowsAfter).to.contain('Ελληνικά').and.not.to.equal(rowsBefore)
        })

        describe('into the original database', function () {
          it('refuses a database that holds tables without --force, and changes nothing', async function () {
            await sql('CREATE TABLE scratch (x INT); INSERT INTO scratch VALUES (42)')
            const before = await snapshot()
            const result = await restore(configs.own)
            expect(result.exitCode, result.stderr).to.equal(1)
            expect(result.json.ok).to.equal(false)
            expect(result.json.items[0]).to.include({service: 'db', scheme, item: 'shop', version: 1, status: 'failed'})
            expect(result.json.items[0].error).to.contain('database shop').and.to.contain('not empty').and.to.contain('--force')
            expect(await snapshot()).to.equal(before)
            expectNoSecret(result.stdout + result.stderr)
          })

          it('--dry-run refuses it the same without --force, and with --force says it would replace it; nothing changes', async function () {
            const before = await snapshot()
            const refused = await restore(configs.own, ['--dry-run'])
            expect(refused.exitCode, refused.stderr).to.equal(1)
            expect(refused.json.items[0].error).to.contain('--force')
            const result = await restore(configs.own, ['--dry-run', '--force'])
            expect(result.exitCode, result.stderr).to.equal(0)
            expect(result.json.dryRun).to.equal(true)
            expect(result.json.items[0]).to.include({item: 'shop', destination: 'database shop', replaced: true, status: 'ok'})
            expect(result.json.items[0].stopped).to.deep.equal([])
            expect(await snapshot()).to.equal(before)
          })

          it('--force replaces it exactly (a dropped table is back, one absent from the dump is gone) with the service running', async function () {
            const runningBefore = await startedAt(project)
            await sql(engine.dropCustomers)
            const result = await restore(configs.own, ['--force'])
            expect(result.exitCode, result.stderr).to.equal(0)
            expect(result.json.items[0]).to.include({item: 'shop', version: 1, destination: 'database shop', replaced: true, status: 'ok'})
            expect(result.json.items[0].file).to.equal(path.join(target, 'db', folder, 'shop', 'shop.1', 'shop.sql.gz'))
            expect(await snapshot()).to.equal(rowsAfter)
            expect(await snapshot()).not.to.contain('scratch')
            expect(await startedAt(project)).to.equal(runningBefore)
            // Owned as before (where databases have owners); the trigger works again.
            if (engine.ownerQuery) expect(await sql(engine.ownerQuery)).to.equal(engine.appUser)
            expect(await sql("INSERT INTO customers (id, name) VALUES (7, 'after'); SELECT COUNT(*) FROM audit WHERE customer = 7")).to.equal('1')
            await sql('DELETE FROM audit WHERE customer = 7; DELETE FROM customers WHERE id = 7')
          })

          const endingSessions = engine.openSession ? ', ending the sessions connected to the database' : ''
          it(`--version 2 brings back the rows before the insert${endingSessions}`, async function () {
            const session = await engine.openSession?.(project)
            const result = await restore(configs.own, ['--version', '2', '--force'])
            expect(result.exitCode, result.stderr).to.equal(0)
            expect(result.json.items[0]).to.include({version: 2, replaced: true, status: 'ok'})
            expect(await snapshot()).to.equal(rowsBefore)
            if (session) expect((await session.ended).exitCode).not.to.equal(0)
          })

          it('creates a dropped database again without --force, and the application user logs in to it as before', async function () {
            await sql('DROP DATABASE shop', engine.serverDatabase)
            expect(await databases()).not.to.include('shop')
            const result = await restore(configs.own)
            expect(result.exitCode, result.stderr).to.equal(0)
            expect(result.json.items[0]).to.include({destination: 'database shop', replaced: false, status: 'ok'})
            expect(await snapshot()).to.equal(rowsAfter)
            expect(await engine.countCustomersAsAppUser(project)).to.equal(engine.customersWithAnotherRow)
          })
        })

        describe('into another database (--to)', function () {
          it('--dry-run says it would create it, and creates nothing', async function () {
            const result = await restore(configs.to, ['--to', 'shop_copy', '--dry-run'], toTarget)
            expect(result.exitCode, result.stderr).to.equal(0)
            expect(result.json.items[0]).to.include({destination: 'database shop_copy', replaced: false, status: 'ok'})
            expect(await databases()).not.to.include('shop_copy')
          })

          it('creates and fills the other database and leaves the original untouched', async function () {
            await sql("UPDATE customers SET note = 'changed after the backup' WHERE id = 2")
            const original = await snapshot()
            const result = await restore(configs.to, ['--to', 'shop_copy'], toTarget)
            expect(result.exitCode, result.stderr).to.equal(0)
            expect(result.json.items[0]).to.include({destination: 'database shop_copy', replaced: false, status: 'ok'})
            expect(await snapshot('shop_copy')).to.equal(rowsAfter)
            expect(await snapshot()).to.equal(original)
          })

          it('refuses the other database once it holds tables, unless --force', async function () {
            const refused = await restore(configs.to, ['--to', 'shop_copy'], toTarget)
            expect(refused.exitCode, refused.stderr).to.equal(1)
            expect(refused.json.items[0].error).to.contain('database shop_copy').and.to.contain('--force')
            const forced = await restore(configs.to, ['--to', 'shop_copy', '--force', '--version', '2'], toTarget)
            expect(forced.exitCode, forced.stderr).to.equal(0)
            expect(forced.json.items[0]).to.include({replaced: true, status: 'ok'})
            expect(await snapshot('shop_copy')).to.equal(rowsBefore)
          })

          it(`takes a name with a space, quotes and a semicolon as one name (${engine.hostileName})`, async function () {
            const result = await restore(configs.to, ['--to', engine.hostileName], toTarget)
            expect(result.exitCode, result.stderr).to.equal(0)
            expect(await databases()).to.include(engine.hostileName).and.to.include('shop')
            expect(await snapshot(engine.hostileName)).to.equal(rowsAfter)
          })

          it(`refuses a name it cannot pass as one name (${engine.refusedName.name}) before touching anything`, async function () {
            const before = await databases()
            const result = await restore(configs.to, ['--to', engine.refusedName.name], toTarget)
            expect(result.exitCode, result.stderr).to.equal(1)
            expect(result.json.items[0].error).to.contain(engine.refusedName.says)
            expect(await databases()).to.deep.equal(before)
          })

          if (engine.kind === 'postgres') {
            it('connects over TCP like the dump did, with the password only in PGPASSWORD', async function () {
              const overTcp = await configFile({...engine.appItem, ...engine.passwordChecked})
              const result = await restore(overTcp, ['--to', 'shop_tcp'])
              expect(result.exitCode, result.stderr).to.equal(0)
              expect(await snapshot('shop_tcp')).to.equal(rowsAfter)
              expectNoSecret(result.stdout + result.stderr)

              const wrongPassword = await configFile({...engine.appItem, password: WRONG_PASSWORD, ...engine.passwordChecked})
              const wrong = await restore(wrongPassword, ['--to', 'shop_wrong'])
              expect(wrong.exitCode, wrong.stderr).to.equal(1)
              expect(wrong.json.items[0].error).to.contain(engine.wrongPassword(engine.appUser))
              expect(await databases()).not.to.include('shop_wrong')
              expect(wrong.stdout + wrong.stderr).not.to.contain(WRONG_PASSWORD)
            })
          }
        })

        if (engine.kind === 'postgres') {
          describe('a custom archive', function () {
            let customConfig: string
            let customTarget: string
            let rowsAtBackup: string

            before(async function () {
              customTarget = path.join(work, 'restore-custom-backups')
              otherTargets.push([customTarget, 1])
              customConfig = await configFile({...engine.appItem, format: 'custom'})
              rowsAtBackup = await snapshot()
              await backupOk(customConfig, customTarget)
            })

            it('goes back with pg_restore, replacing the database with --force', async function () {
              await sql("DROP TABLE audit; CREATE TABLE scratch (x integer); UPDATE customers SET name = 'changed' WHERE id = 1")
              const result = await restore(customConfig, ['--force'], customTarget)
              expect(result.exitCode, result.stderr).to.equal(0)
              expect(result.json.items[0]).to.include({destination: 'database shop', replaced: true, status: 'ok'})
              expect(result.json.items[0].file).to.equal(path.join(customTarget, 'db', folder, 'shop', 'shop.1', 'shop.dump'))
              expect(await snapshot()).to.equal(rowsAtBackup)
            })

            it('goes into another database with --to', async function () {
              const result = await restore(customConfig, ['--to', 'shop_custom'], customTarget)
              expect(result.exitCode, result.stderr).to.equal(0)
              expect(await snapshot('shop_custom')).to.equal(rowsAtBackup)
            })

            it('is refused before anything changes when it was cut short, though its checksum matches', async function () {
              const damaged = path.join(work, 'custom-damaged')
              await cp(customTarget, damaged, {recursive: true})
              const version = path.join(damaged, 'db', folder, 'shop', 'shop.1')
              const archive = await readFile(path.join(version, 'shop.dump'))
              await rewrite(version, 'shop.dump', archive.subarray(0, archive.length - 100))
              await sql('CREATE TABLE scratch (x integer)')
              const before = await snapshot()
              const result = await restore(customConfig, ['--force'], damaged)
              expect(result.exitCode, result.stderr).to.equal(1)
              expect(result.json.items[0].error).to.contain('cannot read shop.dump (version 1) to its end').and.to.contain('nothing was changed')
              expect(await snapshot()).to.equal(before)
              await sql('DROP TABLE scratch')
            })
          })
        }

        describe('an all-databases dump', function () {
          let allTarget: string
          let rowsAtBackup: string
          let databasesAtBackup: string[]

          before(async function () {
            allTarget = path.join(work, 'restore-all-backups')
            otherTargets.push([allTarget, 1])
            rowsAtBackup = await snapshot()
            databasesAtBackup = await databases()
            await backupOk(configs.all, allTarget)
          })

          it('refuses --to', async function () {
            const result = await restore(configs.all, ['--to', 'elsewhere'], allTarget)
            expect(result.exitCode, result.stderr).to.equal(1)
            expect(result.json.items[0].error).to.contain('--to cannot be used with all-databases')
          })

          const dropsOthers = engine.allDropsLaterDatabase ? ', and drops the ones made since' : ''
          it(`needs --force on a server with databases, then brings back every database of the dump as it was${dropsOthers}`, async function () {
            const refused = await restore(configs.all, [], allTarget)
            expect(refused.exitCode, refused.stderr).to.equal(1)
            for (const text of engine.allRefusalSays) expect(refused.json.items[0].error).to.contain(text)
            for (const [statements, database] of engine.allDamage) await sql(statements, database)
            const result = await restore(configs.all, ['--force'], allTarget)
            expect(result.exitCode, result.stderr).to.equal(0)
            expect(result.json.items[0]).to.include({destination: 'all databases', replaced: true, status: 'ok'})
            expect(await snapshot()).to.equal(rowsAtBackup)
            const now = await databases()
            expect(now).to.include.members(databasesAtBackup)
            if (engine.allDropsLaterDatabase) expect(now).not.to.include(engine.allDropsLaterDatabase)
            // The application user kept its password (and grants): it still logs in with it.
            expect(await engine.countCustomersAsAppUser(project)).to.equal(engine.customersWithAnotherRow)
          })
        })

        describe('verify', function () {
          let damaged: string

          before(async function () {
            // A copy of the tree whose newest dump lost its trailer, with a manifest that matches it:
            // only the content check can tell.
            damaged = path.join(work, 'damaged-backups')
            await cp(target, damaged, {recursive: true})
            const version = path.join(damaged, 'db', folder, 'shop', 'shop.1')
            const dump = gunzipSync(await readFile(path.join(version, 'shop.sql.gz'))).toString('utf8')
            await rewrite(version, 'shop.sql.gz', gzipSync(dump.slice(0, dump.lastIndexOf(engine.trailer))))
          })

          it('passes every version of good dumps, content check included, in every format and of all databases', async function () {
            const result = await cli(project, ['verify', 'db', '--all', '--target', target])
            expect(result.exitCode, result.stderr).to.equal(0)
            expect(result.json.ok).to.equal(true)
            expect(result.json.items.map((i: any) => [i.service, i.folder, i.item, i.version, i.status])).to.deep.equal([
              ['db', folder, 'shop', 1, 'ok'],
              ['db', folder, 'shop', 2, 'ok'],
            ])
            for (const item of result.json.items) expect(item.checks).to.include('content')
            for (const [other, versions] of otherTargets) {
              const more = await cli(project, ['verify', '--all', '--target', other])
              expect(more.exitCode, more.stderr).to.equal(0)
              expect(more.json.items, other).to.have.length(versions)
              for (const item of more.json.items) expect(item.checks).to.include('content')
            }
          })

          it('fails (exit 1) on a dump without its trailer whose checksum matches', async function () {
            const result = await cli(project, ['verify', 'db', '--all', '--target', damaged])
            expect(result.exitCode, result.stderr).to.equal(1)
            expect(result.json.ok).to.equal(false)
            const [newest, older] = result.json.items
            expect(newest).to.include({item: 'shop', version: 1, status: 'failed'})
            expect(newest.checks).to.include('sha256')
            expect(newest.error).to.contain(`"${engine.trailer}" trailer`)
            expect(older).to.include({version: 2, status: 'ok'})
          })

          it('keeps restore from using that dump, even with --force', async function () {
            const before = await snapshot()
            const result = await restore(configs.own, ['--force'], damaged)
            expect(result.exitCode, result.stderr).to.equal(1)
            expect(result.json.items[0].error).to.contain(`"${engine.trailer}" trailer`)
            expect(await snapshot()).to.equal(before)
          })
        })
      })
    })
  }
})

function parseJson(text: string) {
  try {
    return JSON.parse(text)
  } catch {
    return {unparsable: text}
  }
}

/** StartedAt of the service's container, which must be running. */
async function startedAt(project: ComposeProject): Promise<string> {
  const info = await docker().getContainer(await project.containerId('db')).inspect()
  expect(info.State.Running).to.equal(true)
  return info.State.StartedAt
}

/** Version folders (`shop.1`, ...) of an item, ignoring temporary ones; [] when there is none. */
async function versionsIn(itemDir: string): Promise<string[]> {
  if (!existsSync(itemDir)) return []
  return (await readdir(itemDir)).filter((e) => !e.startsWith('.'))
}

/** Replaces a version's artifact and makes its manifest match, as if it had been stored so. */
async function rewrite(version: string, file: string, content: Buffer): Promise<void> {
  await writeFile(path.join(version, file), content)
  const manifest = JSON.parse(await readFile(path.join(version, 'manifest.json'), 'utf8'))
  manifest.sha256 = createHash('sha256').update(content).digest('hex')
  manifest.bytes = content.length
  await writeFile(path.join(version, 'manifest.json'), JSON.stringify(manifest, null, 2))
}

/** The engine's services, fresh server and CLI; rejects only once all of them have settled. */
async function setUp(engine: DatabaseEngine, workDirs: string[]): Promise<EngineSetup> {
  await requireImages(engine.image)
  const work = await mkdtemp(path.join(os.tmpdir(), `bb-${engine.folder}-`))
  workDirs.push(work)
  const cliEnv = await isolatedBackupbot(work)
  const [, backupProject, restoreProject, fresh] = await allSettledOrThrow([
    engine.plugin && installPackedPlugin(engine.plugin.dir, work, cliEnv),
    startService(engine),
    startService(engine),
    engine.startFresh(),
  ] as const)
  return {work, cliEnv, backupProject, restoreProject, fresh}
}

/** A service of the engine's fixture with the schema in place. */
async function startService(engine: DatabaseEngine): Promise<ComposeProject> {
  // DUMP_USER reaches the container from docker-compose's environment only (see the fixture).
  const project = await startComposeProject(engine.fixture, {env: {DUMP_USER: engine.dumpUser}})
  await engine.ready(project)
  // As the application: its user is the definer of the trigger and routine, so it can dump them.
  await engine.appSql(project, engine.schema)
  return project
}

/** Promise.all that rejects only once every promise has settled: nothing is left starting up behind a failure. */
async function allSettledOrThrow<T extends readonly unknown[]>(promises: T): Promise<{-readonly [K in keyof T]: Awaited<T[K]>}> {
  const results = await Promise.allSettled(promises)
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) throw failed.reason
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as {-readonly [K in keyof T]: Awaited<T[K]>}
}
