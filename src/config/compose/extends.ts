// Service-level `extends:` as Compose applies it: the local service is merged over the service it
// names (in the same file, or in `file:`: relative to the project directory, or within an
// extended file to that file's directory), with the rules of several -f files (merge.ts). Like Compose v1, `extends` is resolved after the -f files
// are merged, and an extended file is interpolated with the project's environment.
import {dirname, resolve} from 'node:path'

import {ConfigError} from '../../errors.js'
import {isFile} from './files.js'
import {childPath, isMapping, lookup, setOwn} from './interpolate.js'
import {mergeService, volumeOrigins, type MergedCompose, type Origin, type ServiceWithOrigins} from './merge.js'
import {rebasePaths} from './rebase-paths.js'

/** Dependencies are always declared locally (Compose docs: "never shared between services that use extends"). */
const NOT_INHERITED = ['depends_on', 'links', 'volumes_from']

export interface ExtendsContext {
  /** The file an `extends` without `file:` points into: the first of the merged files. */
  file: string
  /** The directory `extends.file` of the merged services is relative to: the project's. */
  directory: string
  /** Reads, interpolates (with the project's environment) and checks another compose file. */
  read: (file: string) => Promise<Record<string, unknown>>
}

/** The services of one file (or of the merged files), as `extends` looks them up. */
interface Scope {
  file: string
  directory: string
  services: Record<string, unknown>
  origins: (service: string) => Origin[]
}

interface Link {
  file: string
  service: string
}

/** Replaces every service that has `extends` in `merged` by its resolved definition. */
export async function resolveExtends(merged: MergedCompose, ctx: ExtendsContext): Promise<void> {
  const services = merged.data.services
  if (!isMapping(services)) return
  const main: Scope = {file: ctx.file, directory: ctx.directory, services, origins: (name) => merged.mountOrigins.get(name) ?? []}
  const resolver = new Resolver(ctx.read)
  const resolved: Record<string, unknown> = {...services}
  for (const name of Object.keys(services)) {
    if (!hasExtends(lookup(services, name))) continue
    const service = await resolver.service(main, name, [])
    setOwn(resolved, name, service.definition)
    merged.mountOrigins.set(name, service.origins)
  }
  merged.data.services = resolved
}

class Resolver {
  private readonly done = new Map<string, ServiceWithOrigins>()
  private readonly files = new Map<string, Scope>()

  constructor(private readonly read: ExtendsContext['read']) {}

  async service(scope: Scope, name: string, chain: Link[]): Promise<ServiceWithOrigins> {
    const key = `${scope.file}\0${name}`
    const cached = this.done.get(key)
    if (cached) return cached
    const definition = lookup(scope.services, name) as Record<string, unknown>
    const own = {definition, origins: scope.origins(name)}
    if (!hasExtends(definition)) return own

    const path = childPath(childPath('services', name), 'extends')
    const here = [...chain, {file: scope.file, service: name}]
    const target = parseExtends(definition.extends, scope.file, path)
    const from = target.file === undefined ? scope : await this.fileScope(resolve(scope.directory, target.file), scope.file, path)
    if (!isMapping(lookup(from.services, target.service))) {
      throw new ConfigError(scope.file, path, `service "${target.service}" not found in ${from.file}`)
    }
    const loop = here.findIndex((link) => link.file === from.file && link.service === target.service)
    if (loop >= 0) {
      const cycle = [...here.slice(loop), here[loop]].map((link) => `${link.service} (${link.file})`).join(' extends ')
      throw new ConfigError(scope.file, path, `extends cycle: ${cycle}`, ['break the cycle: a service cannot extend itself, directly or through others'])
    }

    const base = await this.service(from, target.service, here)
    const inherited = rebasePaths(base.definition, from.directory)
    for (const dropped of NOT_INHERITED) delete inherited[dropped]
    const local = {...definition}
    delete local.extends
    const result = mergeService({definition: inherited, origins: base.origins}, {definition: local, origins: own.origins})
    this.done.set(key, result)
    return result
  }

  private async fileScope(file: string, from: string, path: string): Promise<Scope> {
    const known = this.files.get(file)
    if (known) return known
    if (!(await isFile(file))) throw new ConfigError(from, path, `extended file not found: ${file}`)
    const data = await this.read(file)
    const services = isMapping(data.services) ? data.services : {}
    const scope: Scope = {
      file,
      directory: dirname(file),
      services,
      origins: (name) => volumeOrigins(lookup(services, name) as Record<string, unknown>, file, childPath(childPath('services', name), 'volumes')),
    }
    this.files.set(file, scope)
    return scope
  }
}

function hasExtends(service: unknown): service is Record<string, unknown> {
  return isMapping(service) && service.extends !== undefined && service.extends !== null
}

/** `extends: NAME` or `extends: {service: NAME, file?: PATH}`. */
function parseExtends(raw: unknown, file: string, path: string): {service: string; file?: string} {
  if (typeof raw === 'string' && raw !== '') return {service: raw}
  if (!isMapping(raw) || typeof raw.service !== 'string' || raw.service === '') {
    throw new ConfigError(file, path, 'extends: must be a service name or a mapping with `service` (and optionally `file`)')
  }
  if (raw.file === undefined || raw.file === null) return {service: raw.service}
  if (typeof raw.file !== 'string' || raw.file === '') throw new ConfigError(file, childPath(path, 'file'), '`file` must be the path of a compose file')
  return {service: raw.service, file: raw.file}
}
