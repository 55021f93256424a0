// Top-level `include:` (Compose specification, "Include"): each entry is loaded as its own
// sub-project — its own project directory (default: the included file's), its own `.env` or
// `env_file` for interpolation, under the including project's environment, which wins — and its
// services, volumes and networks are copied into the including file. A name defined twice is
// refused: Compose does not merge included resources.
import {dirname, join, resolve} from 'node:path'
import {isDeepStrictEqual} from 'node:util'

import {ConfigError} from '../../errors.js'
import {interpolationEnv, readDotenvFile} from './dotenv.js'
import {isFile} from './files.js'
import {childPath, type Env, isMapping, lookup, setOwn} from './interpolate.js'
import type {ComposeDocument, MergedCompose} from './merge.js'
import {rebasePaths} from './rebase-paths.js'

/** What the loader needs to load a (sub-)project. */
export interface SubProject {
  files: string[]
  directory: string
  /** The interpolation environment. */
  env: Env
  /** The files being loaded above this one (the project's own files first), to refuse cycles. */
  chain: string[]
}

/** A loaded (sub-)project: its merged tree, the file that defines each service, and the documents merged. */
export interface LoadedTree extends MergedCompose {
  serviceFiles: Map<string, string>
  docs: ComposeDocument[]
}

export interface IncludeContext extends SubProject {
  /** The file holding the `include:`. */
  file: string
  load: (project: SubProject) => Promise<LoadedTree>
}

/** A document made of an included sub-project, to merge before the including file's own. */
export interface IncludedDocument extends ComposeDocument {
  serviceFiles: Map<string, string>
}

/** Copied into the including project; their names must not clash. */
const COPIED = ['services', 'volumes', 'networks'] as const

export async function includedDocuments(data: Record<string, unknown>, ctx: IncludeContext): Promise<IncludedDocument[]> {
  if (data.include === undefined || data.include === null) return []
  if (!Array.isArray(data.include)) throw new ConfigError(ctx.file, 'include', 'include: must be a list of paths, or of mappings with `path`')
  const owners = new Owners(data, ctx.file)
  const out: IncludedDocument[] = []
  for (const [i, entry] of data.include.entries()) {
    const path = childPath('include', i)
    const sub = await subProject(entry, ctx, path)
    const tree = await ctx.load(sub)
    const included: Record<string, unknown> = {}
    for (const kind of COPIED) {
      const resources = tree.data[kind]
      if (!isMapping(resources)) continue
      for (const [name, value] of Object.entries(resources)) {
        owners.claim(kind, name, value, tree.serviceFiles.get(name) ?? sub.files[0], path)
      }
      included[kind] = kind === 'services' ? localServices(resources, sub) : resources
    }
    out.push({file: sub.files[0], data: included, mountOrigins: tree.mountOrigins, serviceFiles: tree.serviceFiles})
  }
  return out
}

/** For each service of the documents, the file that defines it (the first one that does). */
export function serviceFiles(docs: Array<ComposeDocument | IncludedDocument>): Map<string, string> {
  const out = new Map<string, string>()
  for (const doc of docs) {
    if (!isMapping(doc.data.services)) continue
    for (const name of Object.keys(doc.data.services)) {
      if (!out.has(name)) out.set(name, ('serviceFiles' in doc ? doc.serviceFiles.get(name) : undefined) ?? doc.file)
    }
  }
  return out
}

/** Who defined each name so far, to name both files of a clash. */
class Owners {
  private readonly seen = new Map<string, {file: string; value: unknown}>()

  constructor(data: Record<string, unknown>, private readonly file: string) {
    for (const kind of COPIED) {
      const own = data[kind]
      if (isMapping(own)) for (const [name, value] of Object.entries(own)) this.seen.set(`${kind}.${name}`, {file, value})
    }
  }

  /** Services clash by name; a volume or network is accepted twice only when defined the same. */
  claim(kind: (typeof COPIED)[number], name: string, value: unknown, file: string, path: string): void {
    const key = `${kind}.${name}`
    const earlier = this.seen.get(key)
    if (earlier && (kind === 'services' || !isDeepStrictEqual(earlier.value ?? {}, value ?? {}))) {
      throw new ConfigError(this.file, path, `${key} is defined both in ${earlier.file} and in ${file}; Compose does not merge included resources`, [
        `rename one of them, or leave one out`,
      ])
    }
    this.seen.set(key, {file, value})
  }
}

/** The entry's files, project directory and environment (short form: a path; long form: {path, project_directory, env_file}). */
async function subProject(entry: unknown, ctx: IncludeContext, path: string): Promise<SubProject> {
  const spec = isMapping(entry) ? entry : {path: entry}
  const files = stringList(spec.path, ctx.file, isMapping(entry) ? childPath(path, 'path') : path).map((file) => resolve(ctx.directory, file))
  if (files.length === 0) throw new ConfigError(ctx.file, path, 'include: needs the path of a compose file')
  for (const file of files) {
    if (ctx.chain.includes(file)) {
      throw new ConfigError(ctx.file, path, `include cycle: ${[...ctx.chain.slice(ctx.chain.indexOf(file)), file].join(' includes ')}`)
    }
    if (!(await isFile(file))) throw new ConfigError(ctx.file, path, `included file not found: ${file}`)
  }
  const projectDir = spec.project_directory
  if (projectDir !== undefined && projectDir !== null && typeof projectDir !== 'string') {
    throw new ConfigError(ctx.file, childPath(path, 'project_directory'), '`project_directory` must be a path')
  }
  const directory = typeof projectDir === 'string' ? resolve(ctx.directory, projectDir) : dirname(files[0])
  const envFiles =
    spec.env_file === undefined || spec.env_file === null
      ? [{file: join(directory, '.env'), required: false}]
      : stringList(spec.env_file, ctx.file, childPath(path, 'env_file')).map((file) => ({file: resolve(ctx.directory, file), required: true}))
  const dotenv: Record<string, string> = {}
  for (const {file, required} of envFiles) Object.assign(dotenv, await readEnvFile(file, required, ctx.file, childPath(path, 'env_file')))
  return {files, directory, env: interpolationEnv(dotenv, ctx.env), chain: [...ctx.chain, ...files]}
}

function stringList(value: unknown, file: string, path: string): string[] {
  const list = Array.isArray(value) ? value : [value]
  if (list.every((item) => typeof item === 'string' && item !== '')) return list as string[]
  throw new ConfigError(file, path, 'must be a path or a list of paths')
}

async function readEnvFile(file: string, required: boolean, from: string, path: string): Promise<Record<string, string>> {
  const values = await readDotenvFile(file)
  if (values === undefined && required) throw new ConfigError(from, path, `env file not found: ${file}`)
  return values ?? {}
}

/**
 * The sub-project's services, made independent of it: relative paths absolute against its
 * directory, and `environment` entries without a value taken from its environment now.
 */
function localServices(services: Record<string, unknown>, sub: SubProject): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, raw] of Object.entries(services)) {
    const service = rebasePaths(raw as Record<string, unknown>, sub.directory)
    if (isMapping(service.environment)) {
      const environment: Record<string, unknown> = {}
      for (const [key, value] of Object.entries(service.environment)) {
        const resolved = value === null ? lookup(sub.env, key) : value
        if (resolved !== undefined) setOwn(environment, key, resolved)
      }
      service.environment = environment
    }
    setOwn(out, name, service)
  }
  return out
}
