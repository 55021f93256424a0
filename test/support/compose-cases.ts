// The compose cases (test/fixtures/compose-cases): small projects whose expected.json is what
// the real `docker-compose config` (v1.29) resolves, in the notation below. The raw output is
// stored beside it (compose-config.yaml, or compose-config.err for a case Compose refuses),
// with the case's directory written as CASE_DIR so it holds in any checkout. Cases without
// expected.json (include-*: Compose v1 has no `include`) are checked in include.test.ts.
import {spawnSync} from 'node:child_process'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import yaml from 'js-yaml'

import type {ProjectModel} from '../../src/config/compose/model.js'
import {splitShortSyntax} from '../../src/config/compose/volumes.js'
import {notation} from './corpus.js'

export const casesDir = fileURLToPath(new URL('../fixtures/compose-cases', import.meta.url))

export const CASE_DIR = 'CASE_DIR'

/** The extends- cases (env-, profiles- and compose-file- ones have their own notation: ./compose-env-cases.ts). */
export const caseNames = readdirSync(casesDir)
  .filter((name) => name.startsWith('extends-') && statSync(join(casesDir, name, 'expected.json'), {throwIfNoEntry: false}))
  .sort()

/** What backupbot takes from a service; paths in the corpus notation, mounts as sorted sets. */
export interface CaseService {
  image?: string
  container_name?: string
  environment: Record<string, string>
  labels: Record<string, string>
  host_directories: string[]
  volumes: string[]
}

/** A case Compose resolves (`services`), or one both tools refuse (`error`: where backupbot points). */
export type CaseExpectation =
  | {services: Record<string, CaseService>}
  | {error: {file: string; path: string; mentions: string[]; docker_compose_says: string}}

export function expectedFor(name: string): CaseExpectation {
  return JSON.parse(readFileSync(join(casesDir, name, 'expected.json'), 'utf8'))
}

/** The stored `docker-compose config` output of a case, with its directory put back. */
export function storedComposeConfig(name: string): {stdout?: string; stderr?: string} {
  const dir = join(casesDir, name)
  const read = (file: string) => readFileSync(join(dir, file), 'utf8').replaceAll(CASE_DIR, dir)
  return statSync(join(dir, 'compose-config.yaml'), {throwIfNoEntry: false}) ? {stdout: read('compose-config.yaml')} : {stderr: read('compose-config.err')}
}

export function hasDockerCompose(): boolean {
  return spawnSync('docker-compose', ['version'], {stdio: 'ignore'}).status === 0
}

/** Runs the real `docker-compose config` in the case's directory, with an empty environment. */
export function runComposeConfig(name: string): {status: number | null; stdout: string; stderr: string} {
  const result = spawnSync('docker-compose', ['config'], {cwd: join(casesDir, name), env: {PATH: process.env.PATH}, encoding: 'utf8'})
  return {status: result.status, stdout: result.stdout, stderr: result.stderr}
}

/** The notation of `docker-compose config` output. */
export function servicesFromComposeConfig(text: string, projectDir: string): Record<string, CaseService> {
  const config = yaml.load(text) as {services: Record<string, Record<string, unknown>>}
  const out: Record<string, CaseService> = {}
  for (const [name, service] of Object.entries(config.services)) {
    const binds: string[] = []
    const named: string[] = []
    for (const entry of (service.volumes ?? []) as unknown[]) {
      const {type, source} = typeof entry === 'string' ? shortEntry(entry) : (entry as {type: string; source: string})
      if (type === 'bind') binds.push(notation(source, projectDir))
      if (type === 'volume') named.push(source)
    }
    out[name] = caseService(service.image, service.container_name, strings(service.environment), strings(service.labels), binds, named)
  }
  return out
}

/** The same notation from backupbot's model. */
export function servicesFromModel(project: ProjectModel): Record<string, CaseService> {
  const out: Record<string, CaseService> = {}
  for (const [name, service] of Object.entries(project.services)) {
    const binds = service.mounts.filter((m) => m.type === 'bind').map((m) => notation(m.source!, project.directory))
    const named = service.mounts.filter((m) => m.type === 'volume').map((m) => m.source!)
    out[name] = caseService(service.image, service.containerName, service.environment, strings(service.definition.labels), binds, named)
  }
  return out
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
