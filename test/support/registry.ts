/**
 * A private npm registry on 127.0.0.1 for tests of `backupbot plugins:install`, as in
 * /work/shared/recipes/local-npm-registry.sh: verdaccio 6.8.0 (the devDependency; 6.9+ needs
 * Node 22) with no uplinks, so nothing is ever fetched from the internet, on a free port, with
 * its storage, user and npm config in a temp dir that `stop()` removes.
 *
 *   const registry = await startLocalRegistry()
 *   await registry.publish('plugins/postgres')     // npm publish (runs the package's prepack)
 *   ... BACKUPBOT_NPM_REGISTRY=registry.url ...
 *   await registry.stop()
 */
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {execa, type ResultPromise} from 'execa'

import {REPO_ROOT} from './cli.js'
import {freePort} from './ports.js'

export const VERDACCIO_BIN = path.join(REPO_ROOT, 'node_modules', '.bin', 'verdaccio')

export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string
  /** A userconfig with the registry and the test user's token (npm_config_userconfig). */
  readonly npmrc: string
  /** The temp dir holding storage, config, npmrc and npm cache. */
  readonly dir: string
  /** An npm cache inside `dir` (npm_config_cache), so tests never touch ~/.npm. */
  readonly npmCache: string
  /** `npm publish` of a package directory to this registry. */
  publish(packageDir: string): Promise<void>
  /** Stops verdaccio and removes `dir`. Idempotent. */
  stop(): Promise<void>
}

const USER = {name: 'bbtest', password: 'bbtest-pass-123'}

export async function startLocalRegistry(): Promise<LocalRegistry> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bb-registry-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/`
  const npmrc = path.join(dir, 'npmrc')
  const npmCache = path.join(dir, 'npm-cache')
  const config = path.join(dir, 'verdaccio.yaml')
  const log = path.join(dir, 'verdaccio.log')
  await writeFile(
    config,
    [
      `storage: ${JSON.stringify(path.join(dir, 'storage'))}`,
      `auth: {htpasswd: {file: ${JSON.stringify(path.join(dir, 'htpasswd'))}, max_users: 10}}`,
      // No uplinks: a package that is not published here does not exist.
      'uplinks: {}',
      'packages:',
      "  '@*/*': {access: $all, publish: $authenticated}",
      "  '**': {access: $all, publish: $authenticated}",
      `listen: 127.0.0.1:${port}`,
      'web: {enable: false}',
      'log: {type: stdout, format: pretty, level: warn}',
      '',
    ].join('\n'),
  )

  // Both output streams into one log file, appending so that neither overwrites the other.
  const output = {file: log, append: true} as const
  // execa's default `cleanup` kills it if the test process dies first.
  const child: ResultPromise = execa(VERDACCIO_BIN, ['--config', config], {reject: false, stdin: 'ignore', stdout: output, stderr: output})
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await child
    clearTimeout(timer)
    await rm(dir, {recursive: true, force: true, maxRetries: 3})
  }

  try {
    await waitForPing(url, child, log)
    const token = await createUser(url)
    await writeFile(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`, {mode: 0o600})
  } catch (error) {
    await stop().catch(() => {})
    throw error
  }

  return {
    url,
    npmrc,
    dir,
    npmCache,
    async publish(packageDir) {
      const r = await execa('npm', ['publish', '--registry', url, '--userconfig', npmrc], {
        cwd: packageDir,
        env: {npm_config_cache: npmCache, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false'},
        stdin: 'ignore',
        reject: false,
        timeout: 120_000,
      })
      if (r.exitCode !== 0) throw new Error(`npm publish ${packageDir} to ${url} failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`)
    },
    stop,
  }
}


async function waitForPing(url: string, child: ResultPromise, log: string): Promise<void> {
  let exited = false
  void child.finally(() => (exited = true))
  for (let attempt = 0; attempt < 150; attempt++) {
    if (exited) break
    const ok = await fetch(`${url}-/ping`).then((r) => r.ok, () => false)
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const text = await readFile(log, 'utf8').catch(() => '')
  throw new Error(`verdaccio did not answer on ${url}${exited ? ' (it exited)' : ''}; log:\n${text}`)
}

/** verdaccio's "adduser": creates the user and returns its token. */
async function createUser(url: string): Promise<string> {
  const response = await fetch(`${url}-/user/org.couchdb.user:${USER.name}`, {
    method: 'PUT',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify(USER),
  })
  const body = (await response.json().catch(() => ({}))) as {token?: string}
  if (!response.ok || !body.token) throw new Error(`creating the registry user failed: HTTP ${response.status} ${JSON.stringify(body)}`)
  return body.token
}
