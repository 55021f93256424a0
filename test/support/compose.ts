/**
 * Throw-away Docker Compose projects for integration tests.
 *
 * `startComposeProject(fixtureDir)` copies a fixture directory to a fresh temp dir, starts it
 * under a unique project name `bbtest-<random>` and returns a handle; `down()` removes the
 * containers, volumes, networks and the temp dir. `cleanupTestResources()` removes whatever
 * earlier (crashed) runs left behind: call it in `before` and `after` hooks.
 *
 * Compose v1 (`docker-compose`, what Debian 12 packages) and v2 (`docker compose`) name
 * containers differently (`proj_svc_1` vs `proj-svc-1`): everything here goes by labels.
 * Mocha runs test files one after another; cleanupTestResources() assumes no other test process
 * shares the engine (it removes every bbtest-* project).
 */
import {randomBytes} from 'node:crypto'
import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import {existsSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type Docker from 'dockerode'
import {execa} from 'execa'
import {runBuffered} from './run-buffered.js'
import {docker, requireEngine, requireImages, TEST_IMAGES, TEST_LABEL} from './engine.js'

export const PROJECT_PREFIX = 'bbtest-'
export const LABEL_PROJECT = 'com.docker.compose.project'
export const LABEL_SERVICE = 'com.docker.compose.service'
export const LABEL_WORKING_DIR = 'com.docker.compose.project.working_dir'
export const LABEL_CONFIG_FILES = 'com.docker.compose.project.config_files'
export const LABEL_CONTAINER_NUMBER = 'com.docker.compose.container-number'

export interface RunResult {
  exitCode: number | undefined
  stdout: string
  stderr: string
}

export interface ExecOptions {
  /** Environment for the command inside the container. Values travel through the docker CLI's
   * environment (`-e NAME`), never through argv. */
  env?: Record<string, string>
  input?: string | Uint8Array
  user?: string
  workdir?: string
  /** Default true: a non-zero exit code throws (with stdout/stderr in the message). */
  reject?: boolean
  timeoutMs?: number
}

export interface BufferResult {
  exitCode: number | undefined
  stdout: Buffer
  stderr: string
}

export interface StartOptions {
  /** Project name; default `bbtest-<8 hex>`. Must start with `bbtest-` to be cleaned up. */
  name?: string
  /** Extra environment for docker-compose itself (variable substitution in the compose file). */
  env?: Record<string, string | undefined>
  /** Services to start (default: all). */
  services?: string[]
  /** Extra arguments for `up -d`. */
  upArgs?: string[]
  /** false: only copy the fixture; call `project.compose(['up', '-d'])` yourself. */
  up?: boolean
  /** Parent of the temp dir (default os.tmpdir()). */
  parentDir?: string
  /** Runs after the fixture is copied and before `up` (e.g. fill ./data, chown files). */
  prepare?: (dir: string) => Promise<void> | void
}

export interface ComposeProject {
  /** Compose project name (`bbtest-...`). */
  readonly name: string
  /** The temp copy of the fixture: the compose working directory. */
  readonly dir: string
  /** Runs `<compose> -p NAME ...args` in `dir`. Throws on failure unless reject is false. */
  compose(args: string[], opts?: {reject?: boolean; timeoutMs?: number}): Promise<RunResult>
  /** Containers of the project (all states), optionally of one service. */
  containers(service?: string): Promise<Docker.ContainerInfo[]>
  /** Id of the (first) container of a service. */
  containerId(service: string): Promise<string>
  /** `docker exec` in the service's container. */
  exec(service: string, cmd: string[], opts?: ExecOptions): Promise<RunResult>
  /** Like exec, but stdout as raw bytes (tar streams, dumps). */
  execBuffer(service: string, cmd: string[], opts?: ExecOptions): Promise<BufferResult>
  /** Polls `exec(service, cmd)` until it exits 0 (e.g. a database ping); returns that result. */
  waitForExec(
    service: string,
    cmd: string[],
    opts?: ExecOptions & {timeoutMs?: number; intervalMs?: number},
  ): Promise<RunResult>
  /** `down -v --remove-orphans`, removal of leftovers by label, and of the temp dir. Idempotent. */
  down(): Promise<void>
}

let composeCmd: Promise<[string, ...string[]]> | undefined

/**
 * The compose command: BACKUPBOT_TEST_COMPOSE ("docker-compose" or "docker compose") if set,
 * else docker-compose when installed, else `docker compose`.
 */
export function composeCommand(): Promise<[string, ...string[]]> {
  composeCmd ??= (async (): Promise<[string, ...string[]]> => {
    const forced = process.env.BACKUPBOT_TEST_COMPOSE?.trim()
    if (forced) {
      const [file, ...rest] = forced.split(/\s+/)
      return [file!, ...rest]
    }

    const v1 = await execa('docker-compose', ['version', '--short'], {reject: false})
    if (v1.exitCode === 0) return ['docker-compose']
    const v2 = await execa('docker', ['compose', 'version', '--short'], {reject: false})
    if (v2.exitCode === 0) return ['docker', 'compose']
    throw new Error('Neither docker-compose nor `docker compose` works. Run `bash scripts/test-env.sh` as root.')
  })()
  return composeCmd
}

/** Polls `fn` until it returns a value other than undefined/false, or throws after timeoutMs. */
export async function waitUntil<T>(
  fn: () => Promise<T | undefined | false>,
  opts: {timeoutMs?: number; intervalMs?: number; what?: string} = {},
): Promise<T> {
  const {timeoutMs = 60_000, intervalMs = 250, what = 'condition'} = opts
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await fn()
      if (value !== undefined && value !== false) return value
    } catch (error) {
      lastError = error
    }

    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : ''
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`)
    }

    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

function failure(what: string, r: {exitCode?: number; stdout: unknown; stderr: unknown}): Error {
  const text = (v: unknown) => (typeof v === 'string' ? v : Buffer.from(v as Uint8Array).toString('utf8'))
  return new Error(
    `${what} failed (exit ${r.exitCode ?? 'signal'})\n--- stdout\n${text(r.stdout)}\n--- stderr\n${text(r.stderr)}`,
  )
}

// Projects started by this process, for cleanupTestResources().
const live = new Set<ComposeProject>()

function randomName(): string {
  return PROJECT_PREFIX + randomBytes(4).toString('hex')
}

/**
 * A suite's usual set-up: the engine and the busybox test image are there, every leftover of
 * earlier runs is gone, and `fixtureDir` runs as a fresh compose project.
 */
export async function startBusyboxProject(fixtureDir: string): Promise<ComposeProject> {
  await requireEngine()
  await requireImages(TEST_IMAGES.busybox)
  await cleanupTestResources()
  return startComposeProject(fixtureDir)
}

/** What useCliSuite sets up; filled in by its before() hook. */
export interface CliSuite {
  project: ComposeProject
  /** A folder of the suite's own (targets, config files), removed after it. */
  work: string
  /** For the CLI: its own data dir (restart journal) in `work`, the busybox helper image, no BACKUPBOT_TARGET. */
  env: Record<string, string | undefined>
}

/**
 * A suite that runs the built CLI against a busybox compose project: before() starts the
 * project from `fixtureDir` and makes the work folder; after() takes both down, with every
 * leftover test resource.
 */
export function useCliSuite(fixtureDir: string): CliSuite {
  const suite = {} as CliSuite
  before(async function () {
    this.timeout(300_000)
    suite.project = await startBusyboxProject(fixtureDir)
    suite.work = await mkdtemp(path.join(os.tmpdir(), `bb-${path.basename(fixtureDir)}-`))
    suite.env = {BACKUPBOT_DATA_DIR: path.join(suite.work, 'data-dir'), BACKUPBOT_HELPER_IMAGE: TEST_IMAGES.busybox, BACKUPBOT_TARGET: undefined}
  })
  after(async function () {
    this.timeout(120_000)
    await suite.project?.down()
    await cleanupTestResources()
    if (suite.work) await rm(suite.work, {recursive: true, force: true})
  })
  return suite
}

/**
 * Copies `fixtureDir` to `<tmp>/<name>/` and runs `<compose> -p <name> up -d` there.
 * The fixture's compose file is found by compose itself (compose.yaml, docker-compose.yml, ...),
 * exactly as when a user runs it, so the com.docker.compose.* labels look like a user's.
 */
export async function startComposeProject(fixtureDir: string, opts: StartOptions = {}): Promise<ComposeProject> {
  const source = path.resolve(fixtureDir)
  if (!existsSync(source)) throw new Error(`fixture directory not found: ${source}`)
  const name = opts.name ?? randomName()
  if (!name.startsWith(PROJECT_PREFIX)) throw new Error(`project name must start with ${PROJECT_PREFIX}: ${name}`)
  const dir = path.join(opts.parentDir ?? os.tmpdir(), name)
  await mkdir(dir, {recursive: false})
  // GNU cp -a: keeps modes, owners, mtimes (directories too, unlike fs.cp), symlinks, hard links.
  await execa('cp', ['-a', '--', `${source}/.`, `${dir}/`])

  const composeEnv = {
    COMPOSE_FILE: undefined,
    COMPOSE_PROJECT_NAME: undefined,
    ...opts.env,
  }
  let isDown = false

  async function containers(service?: string): Promise<Docker.ContainerInfo[]> {
    const label = [`${LABEL_PROJECT}=${name}`]
    if (service) label.push(`${LABEL_SERVICE}=${service}`)
    const list = await docker().listContainers({all: true, filters: {label}})
    const num = (c: Docker.ContainerInfo) => Number(c.Labels[LABEL_CONTAINER_NUMBER] ?? 0)
    return list.sort((a, b) => num(a) - num(b))
  }

  async function containerId(service: string): Promise<string> {
    const list = await containers(service)
    const running = list.find((c) => c.State === 'running') ?? list[0]
    if (!running) throw new Error(`project ${name} has no container for service ${service}`)
    return running.Id
  }

  async function dockerExecArgs(service: string, cmd: string[], o: ExecOptions): Promise<string[]> {
    const args = ['exec']
    if (o.input !== undefined) args.push('-i')
    if (o.user) args.push('-u', o.user)
    if (o.workdir) args.push('-w', o.workdir)
    for (const key of Object.keys(o.env ?? {})) args.push('-e', key)
    args.push(await containerId(service), ...cmd)
    return args
  }

  const project: ComposeProject = {
    name,
    dir,

    async compose(args, o = {}) {
      const [file, ...prefix] = await composeCommand()
      const r = await execa(file, [...prefix, '-p', name, ...args], {
        cwd: dir,
        env: composeEnv,
        reject: false,
        stdin: 'ignore',
        timeout: o.timeoutMs ?? 120_000,
      })
      const result = {exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr}
      if (o.reject !== false && r.exitCode !== 0) throw failure(`${file} ${[...prefix, '-p', name, ...args].join(' ')}`, r)
      return result
    },

    containers,
    containerId,

    async exec(service, cmd, o = {}) {
      const r = await execa('docker', await dockerExecArgs(service, cmd, o), {
        env: o.env,
        input: o.input,
        stdin: o.input === undefined ? 'ignore' : undefined,
        reject: false,
        timeout: o.timeoutMs ?? 120_000,
      })
      if (o.reject !== false && r.exitCode !== 0) throw failure(`exec ${service}: ${cmd.join(' ')}`, r)
      return {exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr}
    },

    async execBuffer(service, cmd, o = {}) {
      const r = await runBuffered('docker', await dockerExecArgs(service, cmd, o), {env: o.env, input: o.input, timeoutMs: o.timeoutMs})
      if (o.reject !== false && r.exitCode !== 0) throw failure(`exec ${service}: ${cmd.join(' ')}`, r)
      return r
    },

    async waitForExec(service, cmd, o = {}) {
      const {timeoutMs = 120_000, intervalMs = 500, ...execOpts} = o
      let last: RunResult | undefined
      try {
        return await waitUntil(
          async () => {
            last = await project.exec(service, cmd, {...execOpts, reject: false, timeoutMs: 30_000})
            return last.exitCode === 0 ? last : undefined
          },
          {timeoutMs, intervalMs, what: `${service}: ${cmd.join(' ')}`},
        )
      } catch (error) {
        const id = await containerId(service).catch(() => undefined)
        const logs = id ? (await execa('docker', ['logs', '--tail', '30', id], {reject: false, all: true})).all : '(no container)'
        throw new Error(`${(error as Error).message}\nlast result: ${JSON.stringify(last)}\ncontainer log tail:\n${logs}`)
      }
    },

    async down() {
      if (isDown) return
      isDown = true
      live.delete(project)
      const r = await project.compose(['down', '-v', '--remove-orphans', '-t', '1'], {reject: false})
      // Whatever compose could not remove (or a project that never came up).
      await removeResources((labels) => labels[LABEL_PROJECT] === name)
      await rm(dir, {recursive: true, force: true, maxRetries: 3})
      if (r.exitCode !== 0) throw failure(`compose down of ${name}`, r)
    },
  }

  live.add(project)
  try {
    await opts.prepare?.(dir)
    if (opts.up !== false) {
      await project.compose(['up', '-d', ...(opts.upArgs ?? []), ...(opts.services ?? [])])
    }
  } catch (error) {
    await project.down().catch(() => {})
    throw error
  }

  return project
}

export interface CleanupReport {
  containers: string[]
  networks: string[]
  volumes: string[]
}

async function removeResources(match: (labels: Record<string, string>) => boolean): Promise<CleanupReport> {
  const d = docker()
  const report: CleanupReport = {containers: [], networks: [], volumes: []}
  const ignoreMissing = (error: unknown) => {
    if ((error as {statusCode?: number}).statusCode !== 404) throw error
  }

  for (const c of await d.listContainers({all: true})) {
    if (!match(c.Labels ?? {})) continue
    await d.getContainer(c.Id).remove({force: true, v: true}).catch(ignoreMissing)
    report.containers.push(c.Names?.[0]?.replace(/^\//, '') ?? c.Id)
  }

  for (const n of await d.listNetworks()) {
    if (!match(n.Labels ?? {})) continue
    await d.getNetwork(n.Id).remove().catch(ignoreMissing)
    report.networks.push(n.Name)
  }

  const {Volumes: volumes} = await d.listVolumes()
  for (const v of volumes ?? []) {
    if (!match(v.Labels ?? {})) continue
    await d.getVolume(v.Name).remove({force: true}).catch(ignoreMissing)
    report.volumes.push(v.Name)
  }

  return report
}

/** True for labels of resources owned by tests: a bbtest-* compose project or backupbot.test=1. */
export function isTestResource(labels: Record<string, string>): boolean {
  return (labels[LABEL_PROJECT] ?? '').startsWith(PROJECT_PREFIX) || labels[TEST_LABEL] === '1'
}

/**
 * Removes every container, network and volume of a `bbtest-*` compose project or labelled
 * `backupbot.test=1` (leftovers of earlier runs included), and the temp dirs of projects this
 * process started. Returns what was removed.
 */
export async function cleanupTestResources(): Promise<CleanupReport> {
  for (const project of [...live]) {
    await project.down().catch(() => {})
  }

  return removeResources(isTestResource)
}
