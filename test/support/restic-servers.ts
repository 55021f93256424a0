/**
 * Real restic backends on 127.0.0.1 for integration tests (restic 0.14, Debian 12).
 *
 *   const repo = await resticRepository('sftp')          // or local/rest/s3 ...Repository()
 *   await repo.restic(['backup', '--stdin', '--stdin-filename', 'x/y.sql'], {input: dump})
 *   // or hand repo.repository, repo.env and repo.options to the code under test
 *
 * Every call gives a new, empty repository (`restic init` done unless {init: false}); the server
 * behind it is started once per test process and shared:
 *
 *   local  a directory                                   repository `<dir>`
 *   rest   `rclone serve restic --addr 127.0.0.1:<port> <dir>`
 *                                                        repository `rest:http://127.0.0.1:<port>/<name>/`
 *          with {httpAuth: true}: a second one with `--user`/`--pass` (REST_HTTP_AUTH, a test-only
 *          value, so on rclone's and the test bed's own restic command lines), the URL carrying
 *          them percent-encoded: `rest:http://<user>:<password>@127.0.0.1:<port>/<name>/`
 *   sftp   Debian's sshd -D with its own config, host key and one authorized key (key auth only)
 *                                                        repository `sftp:<user>@127.0.0.1:<dir>`,
 *          reached through `-o sftp.command=ssh -F <ssh_config> <user>@127.0.0.1 -s sftp`
 *          (restic 0.14 has no other way to name a key, port or known_hosts file for sftp)
 *   s3     s3rver (npm) over HTTPS with a throw-away certificate
 *                                                        repository `s3:https://127.0.0.1:<port>/<bucket>`,
 *          env AWS_ACCESS_KEY_ID=S3RVER, AWS_SECRET_ACCESS_KEY=S3RVER, SSL_CERT_FILE=<cert>.
 *          Not plain HTTP: over http restic's S3 client (minio-go) signs uploads as
 *          `aws-chunked` streams, which s3rver 3.7.1 stores undecoded (restic then fails with
 *          "Unmarshal: invalid character ..."); over https it sends plain bodies.
 *          restic 0.14 has no RESTIC_CACERT: Go reads SSL_CERT_FILE, `--cacert <cert>` works too.
 *
 * Credentials (RESTIC_PASSWORD, AWS_*) are only ever in `env`, never in an argument; `options`
 * holds the global restic flags a backend needs besides (sftp.command), none secret.
 * Servers are stopped (killed, temp dirs removed) by stopResticServers(), which a root-level
 * mocha `after` hook calls, and at the latest when the process exits or gets SIGINT/SIGTERM/SIGHUP.
 * Needs restic (all), rclone (rest), sshd + ssh + ssh-keygen as root (sftp), openssl (s3):
 * `bash scripts/test-env.sh` installs them; requireResticBackends() checks in a before hook.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {accessSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync} from 'node:fs'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type {Readable} from 'node:stream'
import {execa} from 'execa'

import {runBuffered} from './run-buffered.js'

import {REPO_ROOT} from './cli.js'
import {requireCapability} from './requires.js'
import {waitUntil} from './compose.js'
import {freePort} from './ports.js'

export type ResticBackend = 'local' | 'rest' | 'sftp' | 's3'
export const RESTIC_BACKENDS: readonly ResticBackend[] = ['local', 'rest', 'sftp', 's3']

/** s3rver's built-in account (s3rver 3 has no other). */
export const S3RVER_CREDENTIALS = {AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER'} as const

export const SSHD_BIN = '/usr/sbin/sshd'
export const SFTP_SERVER_BIN = '/usr/lib/openssh/sftp-server'
export const S3RVER_SCRIPT = path.join(REPO_ROOT, 'node_modules', 's3rver', 'bin', 's3rver.js')

export interface ResticRunOptions {
  /** Extra environment on top of the repository's (a value of undefined removes a variable). */
  env?: Record<string, string | undefined>
  /** Standard input (e.g. for `backup --stdin`); default: none. */
  input?: string | Uint8Array | Readable
  /** Default true: a non-zero exit throws, with the output and the server's log tail. */
  reject?: boolean
  /** Kill restic after this many ms (default 120 s). */
  timeoutMs?: number
}

export interface ResticResult {
  /** undefined when restic was killed by a signal. */
  exitCode: number | undefined
  stdout: string
  /** stdout as bytes (e.g. `dump`). */
  stdoutBuffer: Buffer
  stderr: string
  /** The arguments restic was run with (never a credential). */
  argv: string[]
}

export interface ResticRepository {
  readonly backend: ResticBackend
  /** What restic takes as `-r` / RESTIC_REPOSITORY. */
  readonly repository: string
  /**
   * The environment restic needs for it: RESTIC_PASSWORD, RESTIC_CACHE_DIR (a temp dir, so
   * ~/.cache stays clean), and for s3 AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, SSL_CERT_FILE.
   */
  readonly env: Readonly<Record<string, string>>
  /** Global restic options besides `-r` (sftp: `-o sftp.command=...`); never a credential. */
  readonly options: readonly string[]
  /** Where the repository's files are on this machine (for s3, inside s3rver's store). */
  readonly storage: string
  /** The server's log file (undefined for local). */
  readonly serverLog: string | undefined
  /** `restic <options> -r <repository> <args>` with `env` (and nothing of process.env but PATH, HOME, ...). */
  restic(args: string[], opts?: ResticRunOptions): Promise<ResticResult>
}

export interface RepositoryOptions {
  /** Default true: run `restic init`. */
  init?: boolean
  /** Default: one random password per test process, with quotes, spaces and a `$`. */
  password?: string
  /** rest only: on a server that wants HTTP basic auth (REST_HTTP_AUTH), given in the URL. */
  httpAuth?: boolean
}

/** The user and password of the REST server started for {httpAuth: true}; the password needs percent-encoding in a URL. */
export const REST_HTTP_AUTH = {user: 'bbtest', password: 'rest p@ss:w/rd%'} as const

export interface ResticServerInfo {
  backend: Exclude<ResticBackend, 'local'>
  pid: number
  port: number
  /** What the server stores under. */
  dir: string
  log: string
}

// ---------------------------------------------------------------- capabilities

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir || '.', command), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** What the backend lacks on this machine, or undefined when it can run. */
export function resticBackendMissing(backend: ResticBackend): string | undefined {
  const lacks: string[] = []
  if (!onPath('restic')) lacks.push('restic')
  if (backend === 'rest' && !onPath('rclone')) lacks.push('rclone')
  if (backend === 'sftp') {
    for (const file of [SSHD_BIN, SFTP_SERVER_BIN]) if (!executable(file)) lacks.push(file)
    for (const command of ['ssh', 'sftp', 'ssh-keygen']) if (!onPath(command)) lacks.push(command)
    if (process.getuid?.() !== 0) lacks.push('root (sshd logs in only as root here)')
  }

  if (backend === 's3') {
    if (!onPath('openssl')) lacks.push('openssl')
    if (!existsSync(S3RVER_SCRIPT)) lacks.push(`${S3RVER_SCRIPT} (npm ci)`)
  }

  if (lacks.length === 0) return undefined
  return `the restic ${backend} backend needs ${lacks.join(', ')}: run \`bash scripts/test-env.sh\` as root`
}

/** In a before hook: skips (locally) or fails (CI=true) unless every backend named can run. */
export function requireResticBackends(context: Mocha.Context, backends: readonly ResticBackend[] = RESTIC_BACKENDS): void {
  const missing = backends.map((b) => resticBackendMissing(b)).filter((m): m is string => m !== undefined)
  requireCapability(context, missing.length === 0, missing.join('; '))
}

// ---------------------------------------------------------------- process-wide state

interface Server extends ResticServerInfo {
  child: ChildProcess
  exited: Promise<void>
}

const PASSWORD = `bbtest restic "pw" '${randomBytes(6).toString('hex')}' $HOME`
let baseDir: string | undefined
let counter = 0
/** By backend; `rest-auth` is the REST server with HTTP basic auth. */
const servers = new Map<Server['backend'] | 'rest-auth', Promise<Server>>()
const children = new Set<ChildProcess>()

/** The per-process temp dir holding every server's data, keys, configs, logs and restic's cache. */
function base(): string {
  if (!baseDir) {
    baseDir = mkdtempSync(path.join(os.tmpdir(), 'bb-restic-'))
    installExitHandlers()
  }

  return baseDir
}

let handlersInstalled = false
function installExitHandlers(): void {
  if (handlersInstalled) return
  handlersInstalled = true
  process.once('exit', stopSync)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      stopSync()
      // Die of the signal as if nobody had listened, unless someone else handles it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
    }

    process.once(signal, onSignal)
  }
}

/** Last resort (exit, signals): SIGKILL every server, remove the temp dir. */
function stopSync(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }

  children.clear()
  servers.clear()
  if (baseDir) rmSync(baseDir, {recursive: true, force: true, maxRetries: 3})
  baseDir = undefined
}

/** Stops every server (SIGTERM, SIGKILL after 5 s) and removes the temp dir. Idempotent. */
export async function stopResticServers(): Promise<void> {
  const started = await Promise.allSettled([...servers.values()])
  servers.clear()
  await Promise.all(
    started.map(async (s) => {
      if (s.status === 'fulfilled') await stopChild(s.value.child, s.value.exited)
    }),
  )
  stopSync()
}

// A root-level hook: runs once after all test files of this mocha process.
if (typeof after === 'function') after(stopResticServers)

/** The servers started and not stopped. */
export async function runningResticServers(): Promise<ResticServerInfo[]> {
  const started = await Promise.allSettled([...servers.values()])
  return started.flatMap((s) =>
    s.status === 'fulfilled' ? [{backend: s.value.backend, pid: s.value.pid, port: s.value.port, dir: s.value.dir, log: s.value.log}] : [],
  )
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
  children.delete(child)
}

function newName(prefix: string): string {
  counter += 1
  return `${prefix}-${counter}-${randomBytes(3).toString('hex')}`
}

// ---------------------------------------------------------------- helpers


async function tail(file: string, lines = 30): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '')
  return text.split('\n').slice(-lines).join('\n')
}

/** Starts a long-lived server with stdout+stderr appended to `log`; not tying up the event loop. */
function spawnServer(file: string, args: string[], log: string, env: Record<string, string> = {}): {child: ChildProcess; exited: Promise<void>} {
  const fd = openSync(log, 'a')
  let child: ChildProcess
  try {
    child = spawn(file, args, {stdio: ['ignore', fd, fd], env: {...process.env, ...env}})
  } finally {
    closeSync(fd)
  }

  children.add(child)
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.once('error', () => resolve())
  })
  void exited.then(() => children.delete(child))
  // The server must not keep the test process alive: the exit handler kills it.
  child.unref()
  return {child, exited}
}

/**
 * Starts a server on a free port and waits until `answers(port)`; tries another port when the
 * server exits during start-up (the port was taken in between), three times.
 */
async function startOnFreePort(
  backend: Server['backend'],
  dir: string,
  start: (port: number, log: string) => {child: ChildProcess; exited: Promise<void>},
  answers: (port: number) => Promise<boolean>,
  logName: string = backend,
): Promise<Server> {
  let lastLog = ''
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort()
    const log = path.join(base(), `${logName}-${attempt}.log`)
    const {child, exited} = start(port, log)
    let gone = false
    void exited.then(() => (gone = true))
    try {
      const state = await waitUntil(async () => (gone ? 'exited' : (await answers(port)) && 'answers'), {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: `the ${backend} server on 127.0.0.1:${port}`,
      })
      if (state === 'answers') return {backend, pid: child.pid!, port, dir, log, child, exited}
    } catch (error) {
      await stopChild(child, exited)
      throw new Error(`${(error as Error).message}\n--- ${log}\n${await tail(log)}`)
    }

    lastLog = await tail(log)
  }

  throw new Error(`the ${backend} server exited during start-up three times; last log:\n${lastLog}`)
}

/** One server per backend and process: started on first use. */
function server(key: Server['backend'] | 'rest-auth', start: () => Promise<Server>): Promise<Server> {
  let promise = servers.get(key)
  if (!promise) {
    promise = start()
    servers.set(key, promise)
    // A failed start is not cached: the next call tries again.
    promise.catch(() => {
      if (servers.get(key) === promise) servers.delete(key)
    })
  }

  return promise
}

async function httpAnswers(url: string, ca?: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const request = (url.startsWith('https:') ? https : http).get(url, {ca, timeout: 2_000}, (response) => {
      response.resume()
      resolve(true)
    })
    request.on('error', () => resolve(false))
    request.on('timeout', () => request.destroy())
  })
}

async function sshBannerAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }

    socket.setTimeout(2_000, () => done(false))
    socket.once('error', () => done(false))
    socket.once('data', (data) => done(data.toString('latin1').startsWith('SSH-2.0-')))
  })
}

async function run(file: string, args: string[], what: string): Promise<void> {
  const r = await execa(file, args, {reject: false, stdin: 'ignore', all: true, timeout: 60_000})
  if (r.exitCode !== 0) throw new Error(`${what} failed (exit ${r.exitCode ?? 'signal'}): ${file} ${args.join(' ')}\n${r.all}`)
}

// ---------------------------------------------------------------- servers

function startRest(httpAuth = false): Promise<Server> {
  const key = httpAuth ? 'rest-auth' : 'rest'
  return server(key, async () => {
    const dir = path.join(base(), key)
    await mkdir(dir)
    const rcloneConfig = path.join(base(), 'rclone.conf')
    await writeFile(rcloneConfig, '')
    const auth = httpAuth ? ['--user', REST_HTTP_AUTH.user, '--pass', REST_HTTP_AUTH.password] : []
    return startOnFreePort(
      'rest',
      dir,
      (port, log) => spawnServer('rclone', ['serve', 'restic', '--addr', `127.0.0.1:${port}`, ...auth, dir], log, {RCLONE_CONFIG: rcloneConfig}),
      (port) => httpAnswers(`http://127.0.0.1:${port}/`),
      key,
    )
  })
}

interface SftpServer extends Server {
  sshConfig: string
  user: string
}

function startSftp(): Promise<SftpServer> {
  return server('sftp', async () => {
    const dir = path.join(base(), 'sftp')
    const etc = path.join(dir, 'etc')
    const repos = path.join(dir, 'repos')
    await mkdir(etc, {recursive: true, mode: 0o700})
    await mkdir(repos)
    const hostKey = path.join(etc, 'ssh_host_ed25519_key')
    const clientKey = path.join(etc, 'id_ed25519')
    const authorizedKeys = path.join(etc, 'authorized_keys')
    const knownHosts = path.join(etc, 'known_hosts')
    const sshConfig = path.join(etc, 'ssh_config')
    const sshdConfig = path.join(etc, 'sshd_config')
    const user = os.userInfo().username
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bbtest-sshd-host', '-f', hostKey], 'ssh-keygen (host key)')
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bbtest-restic-client', '-f', clientKey], 'ssh-keygen (client key)')
    await writeFile(authorizedKeys, await readFile(`${clientKey}.pub`), {mode: 0o600})
    // sshd's privilege separation directory (Debian's init script creates it; nothing did here).
    mkdirSync('/run/sshd', {recursive: true, mode: 0o755})

    const server = await startOnFreePort(
      'sftp',
      repos,
      (port, log) => {
        const config = [
          `Port ${port}`,
          'ListenAddress 127.0.0.1',
          `HostKey ${hostKey}`,
          'PidFile none',
          `AuthorizedKeysFile ${authorizedKeys}`,
          'AuthenticationMethods publickey',
          'PubkeyAuthentication yes',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'PermitRootLogin prohibit-password',
          'UsePAM no',
          // The keys live under /tmp (world-writable): StrictModes would refuse them.
          'StrictModes no',
          `Subsystem sftp ${SFTP_SERVER_BIN}`,
          'LogLevel INFO',
          '',
        ].join('\n')
        writeFileSync(sshdConfig, config, {mode: 0o600})
        return spawnServer(SSHD_BIN, ['-D', '-e', '-f', sshdConfig], log)
      },
      sshBannerAnswers,
    )

    const hostPublic = (await readFile(`${hostKey}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ')
    await writeFile(knownHosts, `[127.0.0.1]:${server.port} ${hostPublic}\n`)
    await writeFile(
      sshConfig,
      [
        'Host 127.0.0.1',
        `  Port ${server.port}`,
        `  User ${user}`,
        `  IdentityFile ${clientKey}`,
        '  IdentitiesOnly yes',
        '  IdentityAgent none',
        '  BatchMode yes',
        '  PasswordAuthentication no',
        '  StrictHostKeyChecking yes',
        `  UserKnownHostsFile ${knownHosts}`,
        '  GlobalKnownHostsFile /dev/null',
        '  LogLevel ERROR',
        '',
      ].join('\n'),
    )
    // Key auth and the sftp subsystem work: fail here, with sshd's log, rather than in restic.
    const probe = await execa('sftp', ['-F', sshConfig, '-b', '-', `${user}@127.0.0.1`], {input: 'pwd\n', reject: false, all: true, timeout: 30_000})
    if (probe.exitCode !== 0) {
      await stopChild(server.child, server.exited)
      throw new Error(`sftp to the test sshd failed (exit ${probe.exitCode}):\n${probe.all}\n--- ${server.log}\n${await tail(server.log)}`)
    }

    return {...server, sshConfig, user}
  }) as Promise<SftpServer>
}

interface S3Server extends Server {
  cert: string
}

function startS3(): Promise<S3Server> {
  return server('s3', async () => {
    const dir = path.join(base(), 's3')
    const data = path.join(dir, 'data')
    const tls = path.join(dir, 'tls')
    await mkdir(data, {recursive: true})
    await mkdir(tls, {mode: 0o700})
    const key = path.join(tls, 'key.pem')
    const cert = path.join(tls, 'cert.pem')
    // Go (restic) checks the IP SAN, not the CN. A self-signed certificate is its own CA.
    await run(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
      'openssl req (s3rver certificate)',
    )
    const ca = await readFile(cert)
    const server = await startOnFreePort(
      's3',
      data,
      (port, log) =>
        spawnServer(process.execPath, [S3RVER_SCRIPT, '--directory', data, '--address', '127.0.0.1', '--port', String(port), '--key', key, '--cert', cert], log),
      (port) => httpAnswers(`https://127.0.0.1:${port}/`, ca),
    )
    return {...server, cert}
  }) as Promise<S3Server>
}

// ---------------------------------------------------------------- repositories

/** What restic gets of the test process's environment (none of RESTIC_*, AWS_*, ...). */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const key of ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR']) {
    const value = process.env[key]
    if (value !== undefined) env[key] = value
  }

  return env
}

async function makeRepository(
  backend: ResticBackend,
  repository: string,
  storage: string,
  extraEnv: Record<string, string>,
  options: string[],
  serverLog: string | undefined,
  opts: RepositoryOptions,
): Promise<ResticRepository> {
  const cache = path.join(base(), 'restic-cache')
  const env = Object.freeze({RESTIC_PASSWORD: opts.password ?? PASSWORD, RESTIC_CACHE_DIR: cache, ...extraEnv})
  const repo: ResticRepository = {
    backend,
    repository,
    env,
    options: Object.freeze([...options]),
    storage,
    serverLog,
    async restic(args, o = {}) {
      const argv = [...options, '-r', repository, ...args]
      const r = await runBuffered('restic', argv, {env: {...baseEnv(), ...env, ...o.env}, extendEnv: false, input: o.input, timeoutMs: o.timeoutMs})
      const result: ResticResult = {exitCode: r.exitCode, stdout: r.stdout.toString('utf8'), stdoutBuffer: r.stdout, stderr: r.stderr, argv}
      if (o.reject !== false && r.exitCode !== 0) {
        const log = serverLog ? `\n--- ${serverLog}\n${await tail(serverLog)}` : ''
        throw new Error(
          `restic ${argv.join(' ')} failed (exit ${r.exitCode ?? r.signal})\n--- stdout\n${result.stdout.slice(-4000)}\n--- stderr\n${result.stderr}${log}`,
        )
      }

      return result
    },
  }
  if (opts.init !== false) await repo.restic(['init'])
  return repo
}

/** A new repository in a temp dir. */
export async function localResticRepository(opts: RepositoryOptions = {}): Promise<ResticRepository> {
  const dir = path.join(base(), 'local', newName('repo'))
  await mkdir(path.dirname(dir), {recursive: true})
  return makeRepository('local', dir, dir, {}, [], undefined, opts)
}

/** A new repository on the shared `rclone serve restic` (REST server, no authentication unless opts.httpAuth). */
export async function restResticRepository(opts: RepositoryOptions = {}): Promise<ResticRepository> {
  const s = await startRest(opts.httpAuth)
  const name = newName('repo')
  const {user, password} = REST_HTTP_AUTH
  const credentials = opts.httpAuth ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}@` : ''
  return makeRepository('rest', `rest:http://${credentials}127.0.0.1:${s.port}/${name}/`, path.join(s.dir, name), {}, [], s.log, opts)
}

/** A new repository over SFTP on the shared sshd. */
export async function sftpResticRepository(opts: RepositoryOptions = {}): Promise<ResticRepository> {
  const s = await startSftp()
  const dir = path.join(s.dir, newName('repo'))
  const command = `ssh -F ${s.sshConfig} ${s.user}@127.0.0.1 -s sftp`
  return makeRepository('sftp', `sftp:${s.user}@127.0.0.1:${dir}`, dir, {}, ['-o', `sftp.command=${command}`], s.log, opts)
}

/** A new bucket on the shared s3rver (https; restic init creates the bucket). */
export async function s3ResticRepository(opts: RepositoryOptions = {}): Promise<ResticRepository> {
  const s = await startS3()
  const bucket = newName('bbtest') // s3rver wants 3 to 63 characters: lower case, digits, dashes
  return makeRepository(
    's3',
    `s3:https://127.0.0.1:${s.port}/${bucket}`,
    path.join(s.dir, bucket),
    {...S3RVER_CREDENTIALS, SSL_CERT_FILE: s.cert},
    [],
    s.log,
    opts,
  )
}

export function resticRepository(backend: ResticBackend, opts: RepositoryOptions = {}): Promise<ResticRepository> {
  switch (backend) {
    case 'local':
      return localResticRepository(opts)
    case 'rest':
      return restResticRepository(opts)
    case 'sftp':
      return sftpResticRepository(opts)
    case 's3':
      return s3ResticRepository(opts)
  }
}
