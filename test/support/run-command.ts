/**
 * Runs whole backupbot commands in this process through `runCommand` from @oclif/test, the way
 * a script sees them: exit code, stdout, stderr. oclif loads the config from the repository
 * root (package.json); the bundled scheme plugins load from node_modules/@backupbot/, that is
 * plugins/<name>/dist (built by `npm run build`).
 *
 * The core's commands load from src/ (see LOAD_OPTIONS): left alone, oclif would import
 * dist/commands even under NODE_ENV=test, since tsconfig.json names no rootDir/outDir for its
 * ts-path mapping, and these tests would check whatever was built last.
 *
 * Every run is isolated: its own BACKUPBOT_DATA_DIR (no plugins the developer installed, an
 * empty restart journal), a DOCKER_HOST that points at a unix socket that does not exist (so a
 * command that reaches for the engine fails loudly instead of using whatever engine is there),
 * no COMPOSE_PROJECT_NAME, COMPOSE_FILE or COMPOSE_PROFILES, and process.exitCode, cwd and the environment are put back afterwards.
 */
import {captureOutput, runCommand} from '@oclif/test'
import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {createServer} from 'node:http'
import {cp, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {REPO_ROOT} from './cli.js'

export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures')

const packageJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'))

/**
 * The repository's own package.json, but with the core's commands taken from src/commands
 * (TypeScript, imported through the tsx loader that .mocharc.json registers).
 */
export const LOAD_OPTIONS = {
  root: REPO_ROOT,
  pjson: {...packageJson, oclif: {...packageJson.oclif, commands: './src/commands'}},
}

/** A path where no Docker engine listens: any engine call fails at once with ENOENT. */
export const NO_ENGINE = 'unix:///nonexistent/backupbot-command-tests/docker.sock'

export interface RunOptions {
  /** The working directory of the command (a compose project's folder, say). */
  cwd: string
  /** BACKUPBOT_DATA_DIR: plugins and the restart journal. */
  dataDir: string
  /** More environment; undefined removes a variable. */
  env?: Record<string, string | undefined>
}

export interface CommandOutcome {
  /** What `node bin/run.js` would exit with (see exitCodeOf). */
  exitCode: number
  stdout: string
  stderr: string
  /** An error the command let through to oclif (a flag parsing error without --json). */
  error?: Error & {oclif?: {exit?: number}}
}

/**
 * Runs `backupbot ...args` in this process. runCommand joins and re-splits the arguments on
 * white space, so an argument must hold neither white space nor quotes.
 */
export async function backupbot(args: string[], options: RunOptions): Promise<CommandOutcome> {
  for (const arg of args) {
    if (/[\s"]/.test(arg)) throw new Error(`runCommand would split or unquote the argument ${JSON.stringify(arg)}`)
  }
  return isolated(() => runCommand(args, LOAD_OPTIONS), options)
}

/**
 * Runs `command` (which runs one backupbot command, capturing its output: runCommand, or
 * captureOutput around a command class's run()) isolated as described at the top.
 */
export async function isolated(command: () => Promise<{error?: Error; stdout: string; stderr: string}>, options: RunOptions): Promise<CommandOutcome> {
  const env: Record<string, string | undefined> = {
    BACKUPBOT_DATA_DIR: options.dataDir,
    DOCKER_HOST: NO_ENGINE,
    COMPOSE_PROJECT_NAME: undefined,
    COMPOSE_FILE: undefined,
    COMPOSE_PROFILES: undefined,
    NO_COLOR: '1',
    ...options.env,
  }
  const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  const savedCwd = process.cwd()
  const savedExitCode = process.exitCode
  // Plain output even when mocha runs in a terminal: no progress line, no erase sequences.
  const savedTty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY')
  Object.defineProperty(process.stderr, 'isTTY', {value: false, configurable: true, writable: true})
  setEnv(env)
  process.exitCode = undefined
  process.chdir(options.cwd)
  try {
    const {error, stdout, stderr} = await command()
    // oclif emits some warnings on the next tick, after runCommand stopped capturing (e.g.
    // UnparsedCommand after a flag error under --json, NODE_ENV=test only): they belong to
    // this run, not to mocha's output or the next test's.
    const late = await captureOutput(() => new Promise((resolve) => setImmediate(resolve)))
    return {exitCode: exitCodeOf(error), stdout: stdout + late.stdout, stderr: stderr + late.stderr, ...(error ? {error} : {})}
  } finally {
    process.exitCode = savedExitCode
    process.chdir(savedCwd)
    setEnv(savedEnv)
    if (savedTty) Object.defineProperty(process.stderr, 'isTTY', savedTty)
    else delete (process.stderr as {isTTY?: boolean}).isTTY
  }
}

/**
 * The exit code bin/run.js ends with: an error that escapes the command goes to oclif's
 * handle(), which exits with `error.oclif.exit` (else 1); otherwise the process ends with the
 * process.exitCode the command set (BaseCommand.catch sets it for the errors it reports).
 */
function exitCodeOf(error: (Error & {oclif?: {exit?: number}}) | undefined): number {
  if (error) return error.oclif?.exit ?? 1
  return Number(process.exitCode ?? 0)
}

function setEnv(values: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
}

/** stdout parsed as exactly one JSON document (JSON.parse refuses anything before or after it). */
export function jsonOf(outcome: CommandOutcome): any {
  const said = `stderr:\n${outcome.stderr}${outcome.error ? `\nerror thrown to oclif: ${outcome.error.message}` : ''}`
  expect(outcome.stdout.trim(), `stdout of a --json run is empty; ${said}`).not.to.equal('')
  try {
    return JSON.parse(outcome.stdout)
  } catch (error) {
    throw new Error(`stdout is not one JSON document (${(error as Error).message}):\n${outcome.stdout}`)
  }
}

/** `{error: {name, message, exitCode, suggestions}}`, the shape every command prints under --json. */
export function expectJsonError(outcome: CommandOutcome, exitCode: number): {name: string; message: string; exitCode: number; suggestions: string[]} {
  const doc = jsonOf(outcome)
  expect(Object.keys(doc)).to.deep.equal(['error'])
  expect(doc.error).to.have.all.keys('name', 'message', 'exitCode', 'suggestions')
  expect(doc.error.name).to.be.a('string')
  expect(doc.error.message).to.be.a('string')
  expect(doc.error.suggestions).to.be.an('array')
  expect(doc.error.exitCode).to.equal(exitCode)
  expect(outcome.exitCode).to.equal(exitCode)
  return doc.error
}

export interface Sandbox {
  /** A temporary folder, removed by `remove()`. */
  dir: string
  /** BACKUPBOT_DATA_DIR for the runs (empty: no installed plugins, an empty journal). */
  dataDir: string
  /** A copy of test/fixtures/<name> inside `dir`, with `files` written into it. */
  project(name: string, files?: Record<string, string>): Promise<string>
  run(args: string[], cwd: string, env?: Record<string, string | undefined>): Promise<CommandOutcome>
  remove(): Promise<void>
}

/** A temporary folder and data dir per test (or suite); call `remove()` afterwards. */
export async function sandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bb-cmd-'))
  const dataDir = path.join(dir, 'data-dir')
  let projects = 0
  return {
    dir,
    dataDir,
    async project(name, files = {}) {
      // Under a folder of its own name, so that the compose project name is the fixture's.
      const copy = path.join(dir, `project-${++projects}`, name)
      await cp(path.join(FIXTURES, name), copy, {recursive: true})
      for (const [file, content] of Object.entries(files)) await writeFile(path.join(copy, file), content)
      return copy
    },
    run: (args, cwd, env) => backupbot(args, {cwd, dataDir, env}),
    remove: () => rm(dir, {recursive: true, force: true}),
  }
}

/** A fresh sandbox for every test of the describe() it is called in, handed to `use`, removed afterwards. */
export function useSandbox(use: (sandbox: Sandbox) => void): void {
  let current: Sandbox | undefined
  beforeEach(async function () {
    current = await sandbox()
    use(current)
  })
  afterEach(async function () {
    await current?.remove()
  })
}

/** The bind-project fixture with a file in its bind-mounted ./data. */
export async function bindProject(sb: Sandbox, files: Record<string, string> = {}): Promise<string> {
  return sb.project('bind-project', {'data/file.txt': 'hello\n', ...files})
}

/** The bind-project fixture after `backupbot backup` (one version of app's ./data under ./backups). */
export async function backedUpProject(sb: Sandbox): Promise<string> {
  const dir = await bindProject(sb)
  const outcome = await sb.run(['backup'], dir)
  expect(outcome.exitCode, outcome.stderr).to.equal(0)
  return dir
}

/** `<target>/.backupbot.lock` as a live backupbot run on this host writes it: this process. */
export async function lockTarget(target: string): Promise<string> {
  await mkdir(target, {recursive: true})
  const file = path.join(target, '.backupbot.lock')
  const content = {pid: process.pid, hostname: os.hostname(), started: new Date().toISOString(), token: 'command-tests'}
  await writeFile(file, JSON.stringify(content) + '\n')
  return file
}

/** The pid of a process that has exited. */
export function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!
}

/** A restart journal record, as a run that stopped container `id` writes it before the stop. */
export async function journalEntry(dataDir: string, id: string, entry: {pid: number; dockerHost?: string; hostname?: string}): Promise<string> {
  const dir = path.join(dataDir, 'journal')
  await mkdir(dir, {recursive: true})
  const file = path.join(dir, `${id}.json`)
  const record = {
    id,
    name: `bind-project-${id}-1`,
    project: 'bind-project',
    dockerHost: entry.dockerHost ?? NO_ENGINE,
    pid: entry.pid,
    hostname: entry.hostname ?? os.hostname(),
    stoppedAt: new Date().toISOString(),
  }
  await writeFile(file, JSON.stringify(record, null, 2) + '\n')
  return file
}

export interface EmptyEngine {
  /** DOCKER_HOST for the runs that should reach it. */
  dockerHost: string
  /** `METHOD path` of every request it answered. */
  requests: string[]
  close(): Promise<void>
}

/**
 * Not a Docker engine: a unix socket that answers the container listing with no containers and
 * anything else with 404. Enough for the commands that only ask who uses a host path (restoring
 * a host directory), without depending on a real engine.
 */
export async function emptyEngine(dir: string): Promise<EmptyEngine> {
  const socket = path.join(dir, 'empty-engine.sock')
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`)
    const listing = req.method === 'GET' && /^(\/v[\d.]+)?\/containers\/json(\?|$)/.test(req.url ?? '')
    res.writeHead(listing ? 200 : 404, {'content-type': 'application/json'})
    res.end(JSON.stringify(listing ? [] : {message: `the empty engine of the command tests has no ${req.url}`}))
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socket, resolve))
  return {
    dockerHost: `unix://${socket}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
