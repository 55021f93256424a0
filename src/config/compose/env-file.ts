// A service's `env_file:`: dotenv files whose variables join its environment. Forms: a string, a
// list of strings, and (Compose spec, Compose >= 2.24) list entries `{path, required}`, where
// `required: false` lets the file be missing. Entries of several -f files concatenate (Compose
// v1 merges a string and a list into one list), relative paths mean the project directory,
// later files win over earlier ones, and `environment:` wins over all of them (the loader).
import {resolve} from 'node:path'

import {ConfigError} from '../../errors.js'
import type {Logger} from '../../scheme.js'
import {readDotenvFile} from './dotenv.js'
import {childPath, isMapping, setOwn} from './interpolate.js'
import type {ComposeDocument} from './merge.js'

interface EnvFileEntry {
  path: string
  required: boolean
}

/**
 * One file's `env_file:`s checked (errors name the file and key) and in list form, so that
 * merging files concatenates them as Compose does instead of a string replacing a list.
 */
export function normaliseEnvFiles(file: string, data: Record<string, unknown>): void {
  if (!isMapping(data.services)) return
  for (const [service, definition] of Object.entries(data.services)) {
    if (!isMapping(definition) || definition.env_file === undefined || definition.env_file === null) continue
    const key = childPath(childPath('services', service), 'env_file')
    const value = definition.env_file
    if (typeof value === 'string') definition.env_file = [value]
    else if (!Array.isArray(value)) throw new ConfigError(file, key, 'env_file: must be a path or a list of paths')
    else value.forEach((entry, i) => checkEntry(entry, file, childPath(key, i)))
  }
}

function checkEntry(entry: unknown, file: string, key: string): void {
  if (typeof entry === 'string') return
  if (!isMapping(entry) || typeof entry.path !== 'string') {
    throw new ConfigError(file, key, 'an env_file entry must be a path or a mapping with path: (and optionally required: false)')
  }
  if (entry.required !== undefined && typeof entry.required !== 'boolean') {
    throw new ConfigError(file, childPath(key, 'required'), 'required: must be true or false')
  }
}

/** The merged entries with absolute paths (each checked by normaliseEnvFiles). */
function entriesOf(value: unknown, projectDir: string): EnvFileEntry[] {
  if (!Array.isArray(value)) return []
  return value.map((entry) =>
    typeof entry === 'string'
      ? {path: resolve(projectDir, entry), required: true}
      : {path: resolve(projectDir, (entry as {path: string}).path), required: (entry as {required?: boolean}).required ?? true},
  )
}

export interface EnvFileContext {
  service: string
  projectDir: string
  /** The project's files, to name the one that lists a missing env file. */
  docs: ComposeDocument[]
  log?: Logger
}

/**
 * The variables of a merged service's `env_file:`, later files winning. A missing file is an
 * error naming the compose file and `services.<name>.env_file`, unless marked `required: false`
 * (then skipped, with a debug message).
 */
export async function envFileVariables(value: unknown, ctx: EnvFileContext): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const key = childPath(childPath('services', ctx.service), 'env_file')
  for (const entry of entriesOf(value, ctx.projectDir)) {
    const values = await readDotenvFile(entry.path)
    if (values === undefined && entry.required) {
      throw new ConfigError(listingFile(entry.path, ctx), key, `env file not found: ${entry.path}`, [
        'create it, fix the path, or mark it optional: {path: ..., required: false}',
      ])
    }
    if (values === undefined) ctx.log?.debug(`${key}: optional env file ${entry.path} is missing, skipped`)
    for (const [name, v] of Object.entries(values ?? {})) setOwn(out, name, v)
  }
  return out
}

/** The first compose file whose `env_file:` of the service names this path. */
function listingFile(path: string, ctx: EnvFileContext): string {
  const listing = ctx.docs.find(({data}) => {
    const definition = isMapping(data.services) ? data.services[ctx.service] : undefined
    return isMapping(definition) && entriesOf(definition.env_file, ctx.projectDir).some((e) => e.path === path)
  })
  return (listing ?? ctx.docs[0]).file
}
