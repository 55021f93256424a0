// The env_file / profiles / COMPOSE_FILE cases of test/fixtures/compose-cases (names starting
// env-, profiles- or compose-file-): each folder holds compose files, env files, case.json (the
// docker-compose arguments and environment), compose-config.yaml (what real `docker-compose
// config` v1.29.2 printed, the case's absolute path written <case>) and expected.json, derived
// from that output by expectedFromCompose below. The loader must produce the same
// (expectedFromModel); when docker-compose is on PATH, a test re-runs it so that the stored
// expectations cannot drift from real Compose.
import {spawnSync} from 'node:child_process'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import yaml from 'js-yaml'

import type {LoadProjectOptions} from '../../src/config/compose/load-project.js'
import type {ProjectModel} from '../../src/config/compose/model.js'
import {inspectStructure} from '../../src/render/inspect-structure.js'
import {notation} from './corpus.js'

export const casesDir = fileURLToPath(new URL('../fixtures/compose-cases', import.meta.url))

export const envCases = readdirSync(casesDir)
  .filter((name) => /^(env-|profiles-|compose-file-)/.test(name) && statSync(join(casesDir, name)).isDirectory())
  .sort()

export interface CaseSpec {
  /** docker-compose's global options: -f, --project-directory, --env-file, --profile. */
  args: string[]
  /** The environment docker-compose runs with (besides PATH and HOME). */
  env?: Record<string, string>
}

export interface CaseService {
  environment: Record<string, string>
  host_directories: string[]
  volumes: string[]
}

export interface CaseExpected {
  services?: Record<string, CaseService>
  /** Services whose profiles are all inactive, with their profiles. */
  left_out?: Record<string, {profiles: string[]}>
  /** A case that must fail: the compose file and key named, and the missing env file (relative to the case). */
  error?: {file: string; key: string; missing: string}
}

const readJson = (name: string, file: string) => JSON.parse(readFileSync(join(casesDir, name, file), 'utf8'))

export const caseSpec = (name: string): CaseSpec => readJson(name, 'case.json')
export const caseExpected = (name: string): CaseExpected => readJson(name, 'expected.json')
export const storedComposeConfig = (name: string): string => readFileSync(join(casesDir, name, 'compose-config.yaml'), 'utf8')

/** The values following each occurrence of a docker-compose option. */
function optionValues(args: string[], ...names: string[]): string[] {
  return args.flatMap((arg, i) => (names.includes(arg) ? [args[i + 1]] : []))
}

/** The same case for backupbot's loader. */
export function loaderOptions(name: string): LoadProjectOptions {
  const {args, env = {}} = caseSpec(name)
  const files = optionValues(args, '-f', '--file')
  return {
    cwd: join(casesDir, name),
    env,
    ...(files.length > 0 ? {files} : {}),
    projectDirectory: optionValues(args, '--project-directory')[0],
    envFiles: optionValues(args, '--env-file'),
    profiles: optionValues(args, '--profile'),
  }
}

/** Runs the real `docker-compose config` on a case; its output with the case's path written <case>. */
export function runComposeConfig(name: string): {status: number | null; stdout: string; stderr: string} {
  const {args, env = {}} = caseSpec(name)
  const dir = join(casesDir, name)
  const result = spawnSync('docker-compose', [...args, 'config'], {cwd: dir, env: {PATH: process.env.PATH, HOME: process.env.HOME, ...env}, encoding: 'utf8'})
  return {status: result.status, stdout: result.stdout.replaceAll(dir, '<case>'), stderr: result.stderr.replaceAll(dir, '<case>')}
}

export function hasDockerCompose(): boolean {
  return spawnSync('docker-compose', ['version'], {stdio: 'ignore'}).status === 0
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
  const config = yaml.load(output) as {services: Record<string, {environment?: Record<string, unknown>; volumes?: string[]; profiles?: string[]}>}
  const services: Record<string, CaseService> = {}
  const leftOut: Record<string, {profiles: string[]}> = {}
  for (const [service, definition] of Object.entries(config.services)) {
    const profiles = definition.profiles ?? []
    if (profiles.length > 0 && !profiles.some((p) => active.includes(p))) {
      leftOut[service] = {profiles}
      continue
    }
    const sources = (definition.volumes ?? []).map((entry) => entry.split(':')[0])
    services[service] = {
      environment: Object.fromEntries(Object.entries(definition.environment ?? {}).map(([k, v]) => [k, String(v ?? '')])),
      host_directories: sources.filter((s) => s.startsWith('<case>')).map((s) => notation(s.replace('<case>', '/case'), '/case')),
      volumes: sources.filter((s) => !s.startsWith('<case>') && !s.startsWith('/')),
    }
  }
  return {services, ...(Object.keys(leftOut).length > 0 ? {left_out: leftOut} : {})}
}

/** The same notation from backupbot's model of the case. */
export function expectedFromModel(name: string, project: ProjectModel): CaseExpected {
  const structure = inspectStructure(project)
  const services: Record<string, CaseService> = {}
  for (const [service, model] of Object.entries(project.services)) {
    services[service] = {
      environment: model.environment,
      host_directories: structure[service].host_directories.map((path) => notation(path, join(casesDir, name))),
      volumes: structure[service].volumes,
    }
  }
  const leftOut = Object.entries(project.leftOut ?? {}).map(([service, {profiles}]) => [service, {profiles}])
  return {services, ...(leftOut.length > 0 ? {left_out: Object.fromEntries(leftOut)} : {})}
}
