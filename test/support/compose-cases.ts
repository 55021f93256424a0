// The compose cases of test/fixtures/compose-cases, one notation for all (README.md there).
// Each folder with an expected.json holds compose files, an optional case.json (docker-compose's
// global options and environment), what real `docker-compose <args> config` (v1.29.2) printed
// there (compose-config.yaml, or compose-config.err for a case it refuses; the folder's absolute
// path written <case>) and expected.json, derived from that output by expectedFromCompose. The
// loader must give the same (expectedFromModel); where docker-compose is on PATH, as in CI, a
// test re-runs it so that the stored output and expectations cannot drift from real Compose.
// The include-* folders have no expected.json (Compose v1 has no `include`): include.test.ts.
import {spawnSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import yaml from 'js-yaml'

import type {LoadProjectOptions} from '../../src/config/compose/load-project.js'
import type {ProjectModel} from '../../src/config/compose/model.js'
import {splitShortSyntax} from '../../src/config/compose/volumes.js'
import {notation} from './corpus.js'

export const casesDir = fileURLToPath(new URL('../fixtures/compose-cases', import.meta.url))

/** How stored outputs and expectations write the case's folder. */
export const CASE = '<case>'

export const caseNames = readdirSync(casesDir)
  .filter((name) => existsSync(join(casesDir, name, 'expected.json')))
  .sort()

export interface CaseSpec {
  /** docker-compose's global options: -f, --project-directory, --env-file, --profile. */
  args: string[]
  /** The environment docker-compose runs with (besides PATH and HOME). */
  env?: Record<string, string>
}

/** What backupbot takes from a service; host directories in the corpus notation (./x: inside the case), mounts as sorted sets. */
export interface CaseService {
  image?: string
  container_name?: string
  environment: Record<string, string>
  labels: Record<string, string>
  host_directories: string[]
  volumes: string[]
}

export interface CaseExpected {
  services?: Record<string, CaseService>
  /** Services whose profiles are all inactive, with their profiles. */
  left_out?: Record<string, {profiles: string[]}>
  /** A case Compose refuses: the file and key backupbot names, what its message mentions, what docker-compose says. */
  error?: {file: string; key: string; mentions: string[]; docker_compose_says: string}
}

const caseDir = (name: string) => join(casesDir, name)
const readCase = (name: string, file: string) => readFileSync(join(caseDir(name), file), 'utf8')

export const caseSpec = (name: string): CaseSpec => (existsSync(join(caseDir(name), 'case.json')) ? JSON.parse(readCase(name, 'case.json')) : {args: []})
export const caseExpected = (name: string): CaseExpected => JSON.parse(readCase(name, 'expected.json'))

/** The stored docker-compose output: what it printed, or (`refused`) its message. */
export function storedComposeConfig(name: string): {refused: boolean; text: string} {
  const refused = existsSync(join(caseDir(name), 'compose-config.err'))
  return {refused, text: readCase(name, refused ? 'compose-config.err' : 'compose-config.yaml')}
}

/** The values following each occurrence of a docker-compose option. */
function optionValues(args: string[], ...names: string[]): string[] {
  return args.flatMap((arg, i) => (names.includes(arg) ? [args[i + 1]!] : []))
}

/** The same case for backupbot's loader. */
export function loaderOptions(name: string): LoadProjectOptions {
  const {args, env = {}} = caseSpec(name)
  const files = optionValues(args, '-f', '--file')
  return {
    cwd: caseDir(name),
    env,
    ...(files.length > 0 ? {files} : {}),
    projectDirectory: optionValues(args, '--project-directory')[0],
    envFiles: optionValues(args, '--env-file'),
    profiles: optionValues(args, '--profile'),
  }
}

export function hasDockerCompose(): boolean {
  return spawnSync('docker-compose', ['version'], {stdio: 'ignore'}).status === 0
}

/** Runs the real `docker-compose config` on a case; its output with the case's folder written <case>. */
export function runComposeConfig(name: string): {status: number | null; stdout: string; stderr: string} {
  const {args, env = {}} = caseSpec(name)
  const dir = caseDir(name)
  const result = spawnSync('docker-compose', [...args, 'config'], {cwd: dir, env: {PATH: process.env.PATH, HOME: process.env.HOME, ...env}, encoding: 'utf8'})
  return {status: result.status, stdout: result.stdout.replaceAll(dir, CASE), stderr: result.stderr.replaceAll(dir, CASE)}
}

/**
 * expected.json from docker-compose's output. Compose v1's `config` prints every service with
 * its `profiles:` and does not apply them (checked: `--profile` and COMPOSE_PROFILES change
 * nothing in its output), so the profile selection is Compose's documented rule applied to the
 * profiles it printed: a service is in when it has no profiles or one of them is active
 * (--profile, else COMPOSE_PROFILES).
 */
export function expectedFromCompose(name: string, output: string): CaseExpected {
  const {args, env = {}} = caseSpec(name)
  const flagged = optionValues(args, '--profile')
  const active = flagged.length > 0 ? flagged : (env.COMPOSE_PROFILES ?? '').split(',').filter(Boolean)
  const dir = caseDir(name)
  const config = yaml.load(output.replaceAll(CASE, dir)) as {services: Record<string, Record<string, unknown>>}
  const services: Record<string, CaseService> = {}
  const leftOut: Record<string, {profiles: string[]}> = {}
  for (const [service, definition] of Object.entries(config.services)) {
    const profiles = (definition.profiles ?? []) as string[]
    if (profiles.length > 0 && !profiles.some((p) => active.includes(p))) {
      leftOut[service] = {profiles}
      continue
    }
    const binds: string[] = []
    const named: string[] = []
    for (const entry of (definition.volumes ?? []) as unknown[]) {
      const {type, source} = typeof entry === 'string' ? shortEntry(entry) : (entry as {type: string; source: string})
      if (type === 'bind') binds.push(notation(source, dir))
      if (type === 'volume') named.push(source)
    }
    services[service] = caseService(definition.image, definition.container_name, strings(definition.environment), strings(definition.labels), binds, named)
  }
  return {services, ...(Object.keys(leftOut).length > 0 ? {left_out: leftOut} : {})}
}

/** The same notation from backupbot's model of the case. */
export function expectedFromModel(name: string, project: ProjectModel): CaseExpected {
  const services: Record<string, CaseService> = {}
  for (const [service, model] of Object.entries(project.services)) {
    const binds = model.mounts.filter((m) => m.type === 'bind').map((m) => notation(m.source!, caseDir(name)))
    const named = model.mounts.filter((m) => m.type === 'volume').map((m) => m.source!)
    services[service] = caseService(model.image, model.containerName, model.environment, strings(model.definition.labels), binds, named)
  }
  const leftOut = Object.entries(project.leftOut ?? {}).map(([service, {profiles}]) => [service, {profiles}])
  return {services, ...(leftOut.length > 0 ? {left_out: Object.fromEntries(leftOut)} : {})}
}

function shortEntry(entry: string): {type: string; source: string} {
  const {source = ''} = splitShortSyntax(entry)
  return {type: source.startsWith('/') ? 'bind' : source ? 'volume' : 'anonymous', source}
}

function strings(map: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries((map ?? {}) as Record<string, unknown>).map(([key, value]) => [key, String(value ?? '')]))
}

function caseService(image: unknown, containerName: unknown, environment: Record<string, string>, labels: Record<string, string>, binds: string[], named: string[]): CaseService {
  const service: CaseService = {environment, labels, host_directories: [...new Set(binds)].sort(), volumes: [...new Set(named)].sort()}
  if (typeof image === 'string') service.image = image
  if (typeof containerName === 'string') service.container_name = containerName
  return service
}
