// `backupbot plugins:install` of a scheme plugin from an npm registry, end to end: a private
// registry (verdaccio on 127.0.0.1, no uplinks) gets @backupbot/plugin-postgres published; a
// fresh, isolated backupbot (its own data/cache/config dirs and npm config) refuses a config
// using backup_postgres with the install hint, installs the plugin through the real CLI, lists
// the scheme, backs up a real PostgreSQL container (the dump restores into a fresh server with
// identical rows), and after plugins:uninstall refuses the config again.
import {expect} from 'chai'
import {existsSync} from 'node:fs'
import {lstat, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {gunzipSync} from 'node:zlib'
import {execa} from 'execa'

import {REPO_ROOT, runCli} from '../support/cli.js'
import {type ComposeProject, cleanupTestResources, startComposeProject} from '../support/compose.js'
import {requireEngine, requireImages, TEST_IMAGES} from '../support/engine.js'
import {type LocalRegistry, startLocalRegistry} from '../support/registry.js'
import {removeFreshServers, startFreshPostgres} from '../support/fresh-servers.js'

const fixture = fileURLToPath(new URL('../fixtures/postgres-project', import.meta.url))
const PLUGIN = '@backupbot/plugin-postgres'
const ADMIN = 'shopadmin'
const INSTALL_HINT = `backupbot plugins:install ${PLUGIN}`

const ROWS = `
CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, note text);
INSERT INTO customers VALUES (1, 'Zoë Ångström', 'emoji 🎉'), (2, 'O''Brien', NULL), (3, 'Ελληνικά', E'two\\nlines');
`
const ROWS_QUERY = 'SELECT id, name, note FROM customers ORDER BY id;'
const psql = (user: string, database: string) => ['psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-P', 'null=<NULL>', '-U', user, '-d', database]

describe('plugins:install of @backupbot/plugin-postgres from an npm registry', function () {
  let registry: LocalRegistry
  let project: ComposeProject
  let work: string
  let env: Record<string, string>
  let configFile: string
  let dataDir: string

  const cli = (args: string[]) => runCli(args, {cwd: project.dir, env, reject: false})
  const backupTo = (target: string) => cli(['backup', '--config', configFile, '--target', target, '--json'])

  before(async function () {
    this.timeout(300_000)
    await requireEngine()
    await requireImages(TEST_IMAGES.postgres)
    await cleanupTestResources()
    work = await mkdtemp(path.join(os.tmpdir(), 'bb-plugins-install-'))
    dataDir = path.join(work, 'data')
    registry = await startLocalRegistry()
    await registry.publish(path.join(REPO_ROOT, 'plugins', 'postgres'))
    env = {
      BACKUPBOT_DATA_DIR: dataDir,
      BACKUPBOT_CACHE_DIR: path.join(work, 'cache'),
      BACKUPBOT_CONFIG_DIR: path.join(work, 'config'),
      BACKUPBOT_NPM_REGISTRY: registry.url,
      npm_config_registry: registry.url,
      npm_config_cache: path.join(work, 'npm-cache'),
      npm_config_userconfig: registry.npmrc,
      npm_config_update_notifier: 'false',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
    }
    project = await startComposeProject(fixture)
    await project.waitForExec('db', [...psql(ADMIN, 'shop'), '-c', 'SELECT 1'])
    await project.exec('db', psql(ADMIN, 'shop'), {input: ROWS})
    configFile = path.join(work, 'backupbot.json')
    await writeFile(
      configFile,
      JSON.stringify({db: [{type: 'backup_postgres', database: 'db.environment.POSTGRES_DB', user: 'db.environment.POSTGRES_USER', password: 'db.environment.POSTGRES_PASSWORD'}]}),
    )
  })

  after(async function () {
    this.timeout(120_000)
    await registry?.stop()
    if (work) await rm(work, {recursive: true, force: true})
    await project?.down()
    await removeFreshServers()
    await cleanupTestResources()
  })

  it('is not a core plugin: a fresh backupbot refuses backup_postgres with the install hint (exit 2, nothing touched)', async function () {
    const target = path.join(work, 'before-install')
    const result = await backupTo(target)
    expect(result.exitCode, result.stderr).to.equal(2)
    const json = JSON.parse(result.stdout)
    expect(json.error.message).to.contain('backup_postgres')
    expect(`${json.error.message}\n${(json.error.suggestions ?? []).join('\n')}`).to.contain(INSTALL_HINT)
    expect(existsSync(target)).to.equal(false)
  })

  it('installs @backupbot/plugin-postgres through the real CLI, from the registry', async function () {
    this.timeout(120_000)
    const result = await cli(['plugins:install', PLUGIN])
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).to.equal(0)
    // A registry version range (not file: or link:), and the very tarball the registry serves.
    const pkg = JSON.parse(await readFile(path.join(dataDir, 'package.json'), 'utf8'))
    expect(pkg.dependencies).to.deep.equal({[PLUGIN]: '^0.1.0'})
    const lock = JSON.parse(await readFile(path.join(dataDir, 'package-lock.json'), 'utf8'))
    const meta = (await (await fetch(`${registry.url}${PLUGIN.replace('/', '%2f')}`)).json()) as {versions: Record<string, {dist: {integrity: string}}>}
    expect(lock.packages[`node_modules/${PLUGIN}`].integrity).to.equal(meta.versions['0.1.0']!.dist.integrity)
  })

  it('lists backup_postgres as provided by the plugin', async function () {
    const result = await cli(['schemes', '--json'])
    expect(result.exitCode, result.stderr).to.equal(0)
    const {schemes, failures} = JSON.parse(result.stdout) as {schemes: Array<{type: string; plugin: string}>; failures: unknown[]}
    expect(schemes.find((s) => s.type === 'backup_postgres')).to.include({plugin: PLUGIN})
    expect(failures).to.deep.equal([])
  })

  it('is installed on its own: a real directory with no dependency on backupbot or the monorepo', async function () {
    const installed = path.join(dataDir, 'node_modules', ...PLUGIN.split('/'))
    const stat = await lstat(installed)
    expect(stat.isSymbolicLink(), 'a symlink into plugins/').to.equal(false)
    expect(stat.isDirectory()).to.equal(true)
    expect(existsSync(path.join(installed, 'dist', 'hooks', 'schemes.js'))).to.equal(true)
    const pkg = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8'))
    expect(pkg).to.include({name: PLUGIN, version: '0.1.0'})
    expect(pkg.dependencies ?? {}).to.deep.equal({})
    expect(pkg.peerDependencies ?? {}).to.deep.equal({})
    // Nothing of the core was installed beside it, and nothing links back into the repository.
    expect(existsSync(path.join(dataDir, 'node_modules', 'backupbot'))).to.equal(false)
    expect(existsSync(path.join(installed, 'node_modules'))).to.equal(false)
    expect(await symlinksUnder(path.join(dataDir, 'node_modules'))).to.deep.equal([])
  })

  it('backs up a real PostgreSQL container; the dump restores into a fresh server with identical rows', async function () {
    this.timeout(180_000)
    const target = path.join(work, 'backups')
    const result = await backupTo(target)
    expect(result.exitCode, result.stderr).to.equal(0)
    const file = path.join(target, 'db', 'postgres', 'shop', 'shop.1', 'shop.sql.gz')
    expect(JSON.parse(result.stdout).items[0]).to.include({scheme: 'backup_postgres', item: 'shop', status: 'ok', file})

    const fresh = await startFreshPostgres()
    const freshSql = (input: string | Buffer, database: string) => execa('docker', ['exec', '-i', fresh, ...psql('postgres', database)], {input})
    await freshSql(`CREATE ROLE ${ADMIN}; CREATE DATABASE restored;`, 'postgres')
    await freshSql(gunzipSync(await readFile(file)), 'restored')
    const original = (await project.exec('db', psql(ADMIN, 'shop'), {input: ROWS_QUERY})).stdout
    expect(original).to.contain('Zoë Ångström').and.to.contain('<NULL>')
    expect((await freshSql(ROWS_QUERY, 'restored')).stdout).to.equal(original)
  })

  it('uninstalls it with plugins:uninstall, after which the config is refused again with the hint', async function () {
    this.timeout(120_000)
    const result = await cli(['plugins:uninstall', PLUGIN])
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).to.equal(0)
    expect(existsSync(path.join(dataDir, 'node_modules', ...PLUGIN.split('/')))).to.equal(false)
    const schemes = JSON.parse((await cli(['schemes', '--json'])).stdout).schemes as Array<{type: string}>
    expect(schemes.map((s) => s.type)).not.to.include('backup_postgres')

    const target = path.join(work, 'after-uninstall')
    const again = await backupTo(target)
    expect(again.exitCode, again.stderr).to.equal(2)
    const json = JSON.parse(again.stdout)
    expect(`${json.error.message}\n${(json.error.suggestions ?? []).join('\n')}`).to.contain(INSTALL_HINT)
    expect(existsSync(target)).to.equal(false)
  })
})

/** Every symlink under `dir` (npm's own .bin links excepted). */
async function symlinksUnder(dir: string): Promise<string[]> {
  const found: string[] = []
  for (const entry of await readdir(dir, {withFileTypes: true, recursive: true})) {
    const full = path.join(entry.parentPath, entry.name)
    if (entry.isSymbolicLink() && !full.includes(`${path.sep}.bin${path.sep}`)) found.push(full)
  }
  return found
}

