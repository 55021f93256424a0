// Reads a Compose project from its files, as `docker compose config` would see it: default file
// lookup, `.env`, interpolation, multi-file merge, `include` and `extends`, project name, then the
// ServiceModels of the services the active profiles enable, with their env_file values
// (./compose-env.ts, ./env-file.ts, ./profiles.ts, ./include.ts, ./extends.ts).
import {readFile} from 'node:fs/promises'
import {basename, join, resolve} from 'node:path'

import yaml from 'js-yaml'

import {ConfigError, UsageError} from '../../errors.js'
import type {Logger} from '../../scheme.js'
import {composeEnv, composeFilesFromEnv, projectDirectory} from './compose-env.js'
import {interpolationEnv, readDotenv} from './dotenv.js'
import {envFileVariables, normaliseEnvFiles} from './env-file.js'
import {childPath, type Env, interpolateTree, isMapping, lookup, setOwn, unsetWarning} from './interpolate.js'
import {resolveExtends} from './extends.js'
import {isFile} from './files.js'
import {includedDocuments, serviceFiles, type LoadedTree, type SubProject} from './include.js'
import {mergeDocuments, type ComposeDocument} from './merge.js'
import type {ProjectModel, ServiceModel} from './model.js'
import {activeProfiles, checkProfiles, selectByProfiles} from './profiles.js'
import {normaliseMount, topLevelVolumes} from './volumes.js'

/** Default compose file names, in Compose's order of preference (the first found is used). */
export const composeFileCandidates: readonly string[] = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml']

/** Compose also merges the first of these, when present, over a default file. */
export const composeOverrideCandidates: readonly string[] = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
]

export interface LoadProjectOptions {
  /** Compose files as given to `-f` (relative to cwd); none = COMPOSE_FILE, else the default names in the project directory. */
  files?: string[]
  projectName?: string
  cwd: string
  /** The process environment; the project's `.env` (or the envFiles) fills in what it does not set. */
  env: Env
  /** --project-directory: the base of relative paths and of `.env` (default: the first compose file's directory). */
  projectDirectory?: string
  /** --env-file: replace the project's `.env` for interpolation (relative to cwd). */
  envFiles?: string[]
  /** --profile (default: COMPOSE_PROFILES). */
  profiles?: string[]
  /** Services named on the command line: in the project whatever their profiles. */
  services?: string[]
  log?: Logger
}

// YAML 1.2 core types plus `<<` merge keys; no timestamps, so dates stay strings as in compose-go.
const SCHEMA = yaml.CORE_SCHEMA.extend({implicit: [(yaml as unknown as {types: {merge: yaml.Type}}).types.merge]})

export async function loadProject(opts: LoadProjectOptions): Promise<ProjectModel> {
  const warnings: string[] = []
  const configFiles = await composeFiles(opts, warnings)
  const directory = projectDirectory(opts.projectDirectory, opts.cwd, configFiles)
  const env = await composeEnv(directory, (opts.envFiles ?? []).map((file) => resolve(opts.cwd, file)), opts.env)

  const unset = new Set<string>()
  const {data, mountOrigins, docs} = await loadTree({files: configFiles, directory, env, chain: configFiles}, unset)
  warnings.unshift(...[...unset].map(unsetWarning))

  if (!isMapping(data.services)) throw new ConfigError(configFiles[0], 'services', 'no services: mapping found')
  const name = projectName(opts.projectName, env, data.name, directory)
  const volumes = topLevelVolumes(data.volumes, name, configFiles[0])
  const {enabled, leftOut} = selectByProfiles(data.services, activeProfiles(opts.profiles, env), opts.services ?? [])

  const services: Record<string, ServiceModel> = {}
  for (const service of enabled) {
    const definition = {...(data.services[service] as Record<string, unknown>)}
    const origins = mountOrigins.get(service) ?? []
    const mounts = (Array.isArray(definition.volumes) ? definition.volumes : []).map((entry, i) =>
      normaliseMount(entry, {
        file: origins[i]?.file ?? configFiles[0],
        path: origins[i]?.path ?? childPath(childPath(childPath('services', service), 'volumes'), i),
        projectDir: directory,
        volumes,
      }),
    )
    // As `docker compose config`: env_file values under environment:, which wins over them.
    const fromFiles = await envFileVariables(definition.env_file, {service, projectDir: directory, docs, log: opts.log})
    const environment = {...fromFiles, ...resolveEnvironment(definition.environment, env)}
    if ('environment' in definition || 'env_file' in definition) definition.environment = environment
    const model: ServiceModel = {name: service, environment, mounts, definition}
    if (isScalar(definition.container_name)) model.containerName = String(definition.container_name)
    if (isScalar(definition.image)) model.image = String(definition.image)
    setOwn(services, service, model)
  }
  return {name, directory, configFiles, services, ...(Object.keys(leftOut).length > 0 ? {leftOut} : {}), volumes, warnings}
}

/** -f files (against cwd), else COMPOSE_FILE (process environment or the `.env` where it looks), else the default names. */
async function composeFiles(opts: LoadProjectOptions, warnings: string[]): Promise<string[]> {
  if (opts.files?.length) return opts.files.map((file) => resolve(opts.cwd, file))
  const lookIn = resolve(opts.cwd, opts.projectDirectory ?? '.')
  const fromEnv = composeFilesFromEnv(interpolationEnv(await readDotenv(lookIn), opts.env), opts.cwd)
  return fromEnv ?? (await defaultFiles(lookIn, warnings))
}

/** Read, interpolated and merged files of a project or an included one, with `include` and `extends` applied. */
async function loadTree(project: SubProject, unset: Set<string>): Promise<LoadedTree> {
  const read = async (file: string) => {
    const data = interpolateTree(await readYaml(file), project.env, file, (name) => unset.add(name))
    validateDocument(file, data)
    normaliseEnvFiles(file, data)
    return data
  }
  const docs: ComposeDocument[] = []
  for (const file of project.files) {
    const data = await read(file)
    docs.push(...(await includedDocuments(data, {...project, file, load: (sub) => loadTree(sub, unset)})), {file, data})
  }
  const merged = mergeDocuments(docs)
  await resolveExtends(merged, {file: project.files[0], directory: project.directory, read})
  return {...merged, serviceFiles: serviceFiles(docs), docs}
}

async function firstExisting(directory: string, names: readonly string[], warnings: string[]): Promise<string | undefined> {
  const found: string[] = []
  for (const name of names) if (await isFile(join(directory, name))) found.push(join(directory, name))
  if (found.length > 1) warnings.push(`found several compose files (${found.join(', ')}), using ${found[0]}`)
  return found[0]
}

async function defaultFiles(cwd: string, warnings: string[]): Promise<string[]> {
  const main = await firstExisting(cwd, composeFileCandidates, warnings)
  if (!main) {
    throw new UsageError(`no compose file in ${cwd} (tried ${composeFileCandidates.join(', ')}); pass one with --compose <file>`)
  }
  const override = await firstExisting(cwd, composeOverrideCandidates, warnings)
  return override ? [main, override] : [main]
}

async function readYaml(file: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new UsageError(`compose file not found: ${file}`)
    if (code === 'EISDIR') throw new UsageError(`compose file is a directory: ${file}`)
    throw error
  }
  try {
    return yaml.load(text, {filename: file, schema: SCHEMA})
  } catch (error) {
    if (!(error instanceof yaml.YAMLException)) throw error
    const at = error.mark ? ` at line ${error.mark.line + 1}, column ${error.mark.column + 1}` : ''
    throw new ConfigError(file, '', `invalid YAML${at}: ${error.reason}`)
  }
}

/** Shape checks on one file, so errors name the file that holds the mistake. */
function validateDocument(file: string, data: unknown): asserts data is Record<string, unknown> {
  if (data === undefined || data === null) throw new ConfigError(file, '', 'the file is empty (expected a mapping with services:)')
  if (!isMapping(data)) throw new ConfigError(file, '', 'the top level must be a mapping (with services:)')
  if ('volumes' in data && data.volumes !== null) topLevelVolumes(data.volumes, 'check', file)
  if (!('services' in data)) return
  if (!isMapping(data.services)) throw new ConfigError(file, 'services', 'services: must be a mapping of service names to definitions')
  for (const [name, service] of Object.entries(data.services)) {
    const path = childPath('services', name)
    if (!isMapping(service)) throw new ConfigError(file, path, 'a service must be a mapping')
    checkProfiles(service, name, file)
    if (service.volumes !== undefined && service.volumes !== null && !Array.isArray(service.volumes)) {
      throw new ConfigError(file, childPath(path, 'volumes'), 'volumes: must be a list')
    }
    const env = service.environment
    if (env !== undefined && env !== null && !Array.isArray(env) && !isMapping(env)) {
      throw new ConfigError(file, childPath(path, 'environment'), 'environment: must be a list (KEY=VALUE) or a mapping')
    }
  }
}

/** Compose's normalisation: lower case, only a-z 0-9 - _, not starting with - or _. */
export function normaliseProjectName(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[-_]+/, '')
}

/** `-p` > COMPOSE_PROJECT_NAME (process env or .env) > top-level `name:` > the directory's name. */
function projectName(option: string | undefined, env: Env, topLevel: unknown, directory: string): string {
  const candidates = [option, env.COMPOSE_PROJECT_NAME, isScalar(topLevel) ? String(topLevel) : undefined, basename(directory)]
  const raw = candidates.find((candidate) => candidate !== undefined && candidate !== '') ?? ''
  const name = normaliseProjectName(raw)
  if (!name) throw new UsageError(`project name "${raw}" has no usable characters (a-z, 0-9, - and _)`, ['pass --project-name'])
  return name
}

/** Merged `environment` (map form, see merge.ts); a null value takes the variable from env, if set. */
function resolveEnvironment(merged: unknown, env: Env): Record<string, string> {
  const out: Record<string, string> = {}
  if (!isMapping(merged)) return out
  for (const [key, value] of Object.entries(merged)) {
    const resolved = value === null ? lookup(env, key) : String(value)
    if (resolved !== undefined) setOwn(out, key, resolved)
  }
  return out
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}
