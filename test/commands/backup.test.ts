// `backupbot backup` as scripts and cron use it: host directories need no Docker engine when
// `stop` is not set, so a real run, its --json document and its exit codes are checked here.
import {expect} from 'chai'
import {createHash, randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {readFile, readdir, rm, stat} from 'node:fs/promises'
import path from 'node:path'

import {bindProject, deadPid, journalEntry, jsonOf, lockTarget, type Sandbox, useSandbox} from '../support/run-command.js'

describe('backupbot backup', function () {
  let sb: Sandbox
  useSandbox((created) => (sb = created))

  it('backs up a bind-mounted host directory without a Docker engine and reports the item as JSON', async function () {
    const dir = await bindProject(sb)
    const outcome = await sb.run(['backup', '--json'], dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    const doc = jsonOf(outcome)
    const target = path.join(dir, 'backups')
    const file = path.join(target, 'app', 'bind_mounts', 'data', 'data.1', 'data.tar.gz')
    expect(doc).to.have.all.keys('ok', 'target', 'items')
    expect(doc).to.include({ok: true, target})
    expect(doc.items).to.have.length(1)
    const [item] = doc.items
    expect(item).to.have.all.keys('project', 'service', 'scheme', 'item', 'source', 'file', 'bytes', 'sha256', 'seconds', 'status')
    expect(item).to.include({project: 'bind-project', service: 'app', scheme: 'backup_host_directories', item: 'data', source: path.join(dir, 'data'), file, status: 'ok'})
    expect(item.seconds).to.be.a('number')
    const artifact = await readFile(file)
    expect(item.bytes).to.equal(artifact.length)
    expect(item.sha256).to.equal(createHash('sha256').update(artifact).digest('hex'))
    expect(JSON.parse(await readFile(path.join(path.dirname(file), 'manifest.json'), 'utf8'))).to.include({sha256: item.sha256, bytes: item.bytes})
  })

  it('prints the result on stdout and its log lines on stderr', async function () {
    const dir = await bindProject(sb)
    const outcome = await sb.run(['backup'], dir)
    expect(outcome.exitCode).to.equal(0)
    expect(outcome.stdout).to.match(/^ok +app +\S+\/data +\d+ bytes/)
    expect(outcome.stdout).to.contain(`1 item(s) backed up into ${path.join(dir, 'backups')}`)
    expect(outcome.stdout).not.to.contain('<-')
    expect(outcome.stderr).to.contain(`app: bind_mounts/data <- ${path.join(dir, 'data')}`)
  })

  it('keeps the log lines on stderr under --json too, so that stdout holds only the document', async function () {
    const dir = await bindProject(sb)
    const outcome = await sb.run(['backup', '--json'], dir)
    expect(outcome.stderr).to.contain('app: bind_mounts/data <- ')
    expect(outcome.stdout).not.to.contain('<-')
  })

  it('prints nothing on stderr with --quiet when every item succeeds', async function () {
    const dir = await bindProject(sb)
    const outcome = await sb.run(['backup', '--quiet'], dir)
    expect(outcome.exitCode).to.equal(0)
    expect(outcome.stderr).to.equal('')
    expect(outcome.stdout).to.contain('1 item(s) backed up')
  })

  it('keeps the newest version as .1 and no more versions than --keep', async function () {
    const dir = await bindProject(sb)
    for (let run = 0; run < 3; run++) expect((await sb.run(['backup', '--keep', '2'], dir)).exitCode).to.equal(0)
    const itemDir = path.join(dir, 'backups', 'app', 'bind_mounts', 'data')
    expect((await readdir(itemDir)).sort()).to.deep.equal(['data.1', 'data.2'])
    const created = async (version: string) => JSON.parse(await readFile(path.join(itemDir, version, 'manifest.json'), 'utf8')).created
    expect(await created('data.1') > (await created('data.2'))).to.equal(true)
  })

  it('takes --prune with the local tree, which frees what retention removes anyway', async function () {
    const dir = await bindProject(sb)
    for (let run = 0; run < 2; run++) expect((await sb.run(['backup', '--keep', '1', '--prune'], dir)).exitCode).to.equal(0)
    expect(await readdir(path.join(dir, 'backups', 'app', 'bind_mounts', 'data'))).to.deep.equal(['data.1'])
  })

  it('applies the retention flags once the new version is complete, and says what it removed', async function () {
    const dir = await bindProject(sb)
    expect((await sb.run(['backup'], dir)).exitCode).to.equal(0)
    const itemDir = path.join(dir, 'backups', 'app', 'bind_mounts', 'data')
    const first = JSON.parse(await readFile(path.join(itemDir, 'data.1', 'manifest.json'), 'utf8')).created
    // Both versions are made today: one per day keeps only the newest.
    const preview = jsonOf(await sb.run(['backup', '--keep-daily', '1', '--dry-run', '--json'], dir))
    expect(preview.items[0].wouldRemove).to.deep.equal([first])
    const outcome = await sb.run(['backup', '--keep-daily', '1', '--json'], dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect(jsonOf(outcome).items[0].removed).to.deep.equal([first])
    expect(outcome.stderr).to.contain('retention removed 1 older version(s)')
    expect((await readdir(itemDir)).sort()).to.deep.equal(['data.1'])
  })

  it('keeps every older version when the new one is less than half the size of the one before, and flags it', async function () {
    // Random bytes: gzip cannot shrink them, so the second version is far smaller.
    const dir = await bindProject(sb, {'data/big.bin': randomBytes(100_000).toString('base64')})
    expect((await sb.run(['backup'], dir)).exitCode).to.equal(0)
    await rm(path.join(dir, 'data', 'big.bin'))
    const outcome = await sb.run(['backup', '--keep', '1', '--json'], dir)
    expect(outcome.exitCode).to.equal(0)
    const [item] = jsonOf(outcome).items
    expect(item.removed).to.equal(undefined)
    expect(item.shrank.bytes).to.be.lessThan(item.shrank.previousBytes / 2)
    expect(outcome.stderr).to.contain('less than half the size of the one before')
    expect((await readdir(path.join(dir, 'backups', 'app', 'bind_mounts', 'data'))).sort()).to.deep.equal(['data.1', 'data.2'])
  })

  it('writes every item to each --target, read once, and reports each store in the JSON document', async function () {
    const dir = await bindProject(sb)
    const [first, second] = [path.join(sb.dir, 'first'), path.join(sb.dir, 'second')]
    const outcome = await sb.run(['backup', '--target', first, '--target', second, '--json'], dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    const doc = jsonOf(outcome)
    expect(doc).to.deep.include({ok: true, target: first, targets: [first, second]})
    const stores = doc.items[0].stores as Array<{target: string; status: string; sha256: string; file: string}>
    expect(stores.map((s) => [s.target, s.status])).to.deep.equal([
      [first, 'ok'],
      [second, 'ok'],
    ])
    for (const store of stores) expect(createHash('sha256').update(await readFile(store.file)).digest('hex')).to.equal(store.sha256)
  })

  it('refuses the same --target twice with exit 2', async function () {
    const dir = await bindProject(sb)
    const outcome = await sb.run(['backup', '--target', 'b', '--target', './b'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stderr).to.contain('is given twice')
  })

  it('refuses a --target of a kind of store no plugin provides with exit 2, saying how to name such a folder', async function () {
    const dir = await bindProject(sb)
    const outcome = await sb.run(['backup', '--target', 'kopia:/srv/repo', '--json'], dir)
    expect(outcome.exitCode).to.equal(2)
    const {error} = jsonOf(outcome)
    expect(error.name).to.equal('UsageError')
    expect(error.message).to.contain('kopia:')
    expect(error.suggestions).to.deep.equal(['a local folder whose name has a colon can be written as ./kopia:/srv/repo'])
    expect(existsSync(path.join(dir, 'backups'))).to.equal(false)
  })

  it('writes into a local folder whose name has a colon when it is written as ./name', async function () {
    const dir = await bindProject(sb)
    const outcome = await sb.run(['backup', '--target', './daily:2024', '--json'], dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect(jsonOf(outcome).target).to.equal(path.join(dir, 'daily:2024'))
  })

  it('refuses a --keep-within it cannot read with exit 2, before touching anything', async function () {
    const dir = await bindProject(sb)
    const outcome = await sb.run(['backup', '--keep-within', '2w'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stderr).to.contain('--keep-within "2w": unknown unit "w"')
    expect(existsSync(path.join(dir, 'backups'))).to.equal(false)
  })

  it('plans the host directories with --dry-run --json and writes nothing', async function () {
    const dir = await bindProject(sb)
    const outcome = await sb.run(['backup', '--dry-run', '--json'], dir)
    expect(outcome.exitCode).to.equal(0)
    const target = path.join(dir, 'backups')
    expect(jsonOf(outcome)).to.deep.equal({
      dryRun: true,
      target,
      items: [
        {
          project: 'bind-project',
          service: 'app',
          scheme: 'backup_host_directories',
          item: 'data',
          source: path.join(dir, 'data'),
          folder: path.join(target, 'app', 'bind_mounts', 'data'),
          stops: [],
        },
      ],
    })
    expect(existsSync(target)).to.equal(false)
  })

  it('writes into --target and backs up only the services named', async function () {
    const dir = await bindProject(sb)
    const target = path.join(sb.dir, 'elsewhere')
    const outcome = await sb.run(['backup', 'app', '--target', target, '--json'], dir)
    expect(outcome.exitCode).to.equal(0)
    expect(jsonOf(outcome).target).to.equal(target)
    expect((await stat(path.join(target, 'app', 'bind_mounts', 'data', 'data.1', 'data.tar.gz'))).isFile()).to.equal(true)
  })

  it('exits 1 when an item fails, keeps the items that succeeded and reports the failure in the JSON document', async function () {
    // The dump needs the engine, which is unreachable here; the host directory does not.
    const config = {app: [{type: 'backup_host_directories'}, {type: 'backup_mysql', database: 'shop'}]}
    const dir = await bindProject(sb, {'backupbot.json': JSON.stringify(config)})
    const outcome = await sb.run(['backup', '--json'], dir)
    expect(outcome.exitCode).to.equal(1)
    const doc = jsonOf(outcome)
    expect(doc.ok).to.equal(false)
    expect(doc.items.map((i: {item: string; status: string}) => [i.item, i.status])).to.deep.equal([
      ['data', 'ok'],
      ['shop', 'failed'],
    ])
    expect(doc.items[1].error).to.contain('ENOENT')
    expect(existsSync(doc.items[0].file)).to.equal(true)
    expect(outcome.stderr).to.match(/warning: app: mysql\/shop failed: /)
  })

  it('exits 1 when containers left stopped by a killed run cannot be started again, and still backs up', async function () {
    const dir = await bindProject(sb)
    const entry = await journalEntry(sb.dataDir, 'c0ffee', {pid: deadPid()})
    const outcome = await sb.run(['backup', '--json'], dir)
    expect(outcome.exitCode).to.equal(1)
    const doc = jsonOf(outcome)
    expect(doc.ok).to.equal(false)
    expect(doc.items.map((i: {status: string}) => i.status)).to.deep.equal(['ok'])
    expect(doc.recovery).to.include({ok: false})
    expect(doc.recovery.failed.map((f: {name: string}) => f.name)).to.deep.equal(['bind-project-c0ffee-1'])
    expect(existsSync(entry), 'the record stays for the next attempt').to.equal(true)
    expect(outcome.stderr).to.contain('a killed backupbot run left bind-project-c0ffee-1 stopped')
  })

  it('exits 3 and writes nothing while a live process holds the target lock', async function () {
    const dir = await bindProject(sb)
    const target = path.join(dir, 'backups')
    const lock = await lockTarget(target)
    const before = await readFile(lock, 'utf8')
    const outcome = await sb.run(['backup'], dir)
    expect(outcome.exitCode).to.equal(3)
    expect(outcome.stdout).to.equal('')
    expect(outcome.stderr).to.contain(`backupbot: the target is locked by ${lock}: held by this very process (pid ${process.pid})`)
    expect(await readdir(target)).to.deep.equal(['.backupbot.lock'])
    expect(await readFile(lock, 'utf8')).to.equal(before)
  })

  it('exits 2 and touches nothing when the scheme config has an unknown option', async function () {
    const dir = await bindProject(sb, {'backupbot.json': JSON.stringify({app: [{type: 'backup_host_directories', bogus: 1}]})})
    const outcome = await sb.run(['backup'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stdout).to.equal('')
    expect(outcome.stderr).to.contain('backupbot: backupbot.json: app[0].bogus: unknown option "bogus"\n  hint: allowed options here: directories, stop, compression\n')
    expect(existsSync(path.join(dir, 'backups'))).to.equal(false)
  })

  it('exits 2 naming the plugin to install when the config uses backup_postgres, which is not bundled', async function () {
    const dir = await bindProject(sb, {'backupbot.json': JSON.stringify({app: [{type: 'backup_postgres', database: 'shop'}]})})
    const outcome = await sb.run(['backup'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stderr).to.contain('backupbot: backupbot.json: app[0].type: no installed plugin provides the scheme type "backup_postgres"')
    expect(outcome.stderr).to.contain('  hint: install the plugin that provides it: backupbot plugins:install @backupbot/plugin-postgres\n')
    expect(existsSync(path.join(dir, 'backups'))).to.equal(false)
  })

  it('exits 2 with backupbot plugins:install <package> as the hint for a scheme type no known plugin provides', async function () {
    const dir = await bindProject(sb, {'backupbot.yaml': 'app:\n  - type: backup_redis\n'})
    const outcome = await sb.run(['backup'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stderr).to.contain('backupbot.yaml: app[0].type: no installed plugin provides the scheme type "backup_redis"')
    expect(outcome.stderr).to.contain('hint: install the plugin that provides it with backupbot plugins:install <package>, or use an installed type')
  })

  it('exits 2 for a service the compose project does not have', async function () {
    const dir = await bindProject(sb)
    const outcome = await sb.run(['backup', 'nosuchservice'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stderr).to.equal('backupbot: no service nosuchservice in compose project bind-project\n  hint: services: app\n')
  })

  it('exits 2 for an unknown option', async function () {
    const dir = await bindProject(sb)
    const outcome = await sb.run(['backup', '--no-such-option'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.error?.message).to.contain('Nonexistent flag: --no-such-option')
    expect(outcome.stdout).to.equal('')
  })

  it('exits 2 and says which file names it tried when there is no compose file', async function () {
    const outcome = await sb.run(['backup'], sb.dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stderr).to.contain('compose.yaml').and.to.contain('--compose')
    expect(existsSync(path.join(sb.dir, 'backups'))).to.equal(false)
  })

  it('exits 2 when the compose file given with -f does not exist', async function () {
    const dir = await bindProject(sb)
    const outcome = await sb.run(['backup', '-f', 'missing.yaml'], dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stderr).to.equal(`backupbot: compose file not found: ${path.join(dir, 'missing.yaml')}\n`)
  })
})
