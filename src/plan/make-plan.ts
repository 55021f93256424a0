// Compose model + scheme config + installed schemes -> the list of items to back up.
// Planning only reads (files, the engine's container list); every config problem surfaces here,
// before anything is stopped or written.
import {type Compression, DEFAULT_COMPRESSION} from '../archive/compression.js'
import type {ProjectModel, ServiceModel} from '../config/compose/model.js'
import {findLeftOut} from '../config/compose/profiles.js'
import type {SchemeConfig, SchemeEntry} from '../config/scheme/validate-config.js'
import {ConfigError, UsageError, errorMessage} from '../errors.js'
import type {SecretMasker} from '../log/secrets.js'
import type {BackupItem, DockerQueries, Logger, PlanContext} from '../scheme.js'
import type {SchemeRegistry} from '../schemes/registry.js'
import type {ItemKey} from '../store.js'
import {checkExtension, encodeName} from '../target/layout.js'
import {resolveDatabases} from './database-options.js'
import {projectInfo, serviceInfo} from './plugin-view.js'
import {type ContainerEnvironmentLookup, createResolver} from './references.js'

export const ZERO_CONFIG = '(zero-config default)'

export interface PlanInput {
  project: ProjectModel
  /** Undefined: zero-config, every scheme's default entry for every service. */
  config?: {file: string; entries: SchemeConfig}
  registry: SchemeRegistry
  /** Only these services (empty: all). */
  services: string[]
  /** With `--discover`: each project gets its own folder in the local tree (ItemKey.projectFolder). */
  projectFolder?: boolean
  log: Logger
  masker: SecretMasker
  containerEnvironment: ContainerEnvironmentLookup
  /** Maps an engine container name (`proj_db_1`) to its service, for config keys. */
  containerService: (name: string) => Promise<string | undefined>
  docker: DockerQueries
  /** `backup --compression` (default gzip); a config entry's `compression:` overrides it for its items. */
  compression?: Compression
}

/** A scheme's planned item, located: its service, its scheme and where its versions are in a store. */
export interface LocatedItem extends BackupItem {
  key: ItemKey
  /** Where it came from in the config (`db[2]`), for messages. */
  origin: string
  /** The compressor for its data where it is compressed (PlannedItem.compress, in a store that wants it; src/run/compress.ts). */
  compression: Compression
}

export interface Plan {
  project: ProjectModel
  items: LocatedItem[]
}

interface LocatedEntry {
  service: ServiceModel
  entry: SchemeEntry
  origin: string
}

export async function makePlan(input: PlanInput): Promise<Plan> {
  const file = input.config?.file ?? ZERO_CONFIG
  const located = (await locateEntries(input)).filter((l) => input.services.length === 0 || input.services.includes(l.service.name))
  checkSelection(input)
  const resolver = createResolver(input.project, input.containerEnvironment)
  const items: LocatedItem[] = []
  const seen = new Map<string, string>()
  const shared = new Map<string, string>()
  const project = projectInfo(input.project)
  for (const {service, entry, origin} of located) {
    const {scheme} = input.registry.byType.get(entry.type)!
    const resolve = async (value: string, optionPath: string) => {
      try {
        return await resolver(value)
      } catch (error) {
        throw new ConfigError(file, `${origin}.${optionPath}`, errorMessage(error), ['fix the reference or write the value literally'])
      }
    }
    const resolveSecret = async (value: string, optionPath: string) => {
      // A literal password that starts like a reference (`db.x`) fails as one: its error quotes it.
      // Its error quotes the value and the path after the service's name: both are masked.
      const secret = await resolve(value, optionPath).catch((error: unknown) => {
        input.masker.add(value)
        input.masker.add(value.slice(value.indexOf('.') + 1))
        throw error
      })
      input.masker.add(secret)
      return secret
    }
    const ctx: PlanContext = {
      project,
      log: input.log,
      resolve,
      resolveSecret,
      databases: (options, rules) => resolveDatabases(options, rules, resolve, resolveSecret),
      docker: input.docker,
    }
    // `type` and `compression` are the core's: the scheme gets only its own options.
    const {type: _type, compression = input.compression ?? DEFAULT_COMPRESSION, ...options} = entry
    let planned
    try {
      planned = await scheme.plan(ctx, serviceInfo(service), options)
    } catch (error) {
      if (error instanceof UsageError) throw error
      throw new ConfigError(file, origin, errorMessage(error))
    }
    for (const item of planned) {
      const firstService = item.identity === undefined ? undefined : shared.get(item.identity)
      if (!input.config && firstService !== undefined && firstService !== service.name) {
        input.log.info(`${service.name}: ${item.source} is shared with ${firstService}: backed up once, under ${firstService}`)
        continue
      }
      if (item.identity !== undefined) shared.set(item.identity, firstService ?? service.name)
      try {
        checkExtension(item.extension)
      } catch (error) {
        throw new ConfigError(file, origin, `${scheme.type} planned ${item.source} with a ${errorMessage(error)}`)
      }
      const key: ItemKey = {project: input.project.name, ...(input.projectFolder ? {projectFolder: true} : {}), service: service.name, folder: item.folder, name: item.name}
      // Distinct names may not share a place in a store (names are encoded the same way there).
      const place = [service.name, item.folder, item.name].map(encodeName).join('/')
      const earlier = seen.get(place)
      if (earlier) throw new ConfigError(file, origin, `backs up ${item.source} a second time (already by ${earlier})`, ['remove one of the two entries'])
      seen.set(place, origin)
      items.push({...item, service: service.name, scheme: scheme.type, key, origin, compression})
    }
  }
  return {project: input.project, items}
}

async function locateEntries(input: PlanInput): Promise<LocatedEntry[]> {
  const services = Object.values(input.project.services)
  if (!input.config) {
    return services.flatMap((service) =>
      input.registry.list
        .filter((l) => l.scheme.defaultEntry !== undefined)
        .map(({scheme}) => ({service, entry: {...scheme.defaultEntry, type: scheme.type}, origin: `${service.name}(${scheme.type})`})),
    )
  }
  const {file, entries} = input.config
  const located: LocatedEntry[] = []
  for (const [key, list] of Object.entries(entries)) {
    const service = await serviceForKey(input, key)
    const leftOut = service ? undefined : findLeftOut(input.project.leftOut, key)
    if (leftOut) {
      // Inactive profiles are the user's choice for this run, not a mistake in the config.
      input.log.warn(`${file}: ${key}: service ${leftOut.name} is left out by its profiles (${leftOut.profiles.join(', ')}): not backed up`)
      continue
    }
    if (!service) {
      throw new ConfigError(file, key, `matches no service or container of compose project ${input.project.name}`, [
        `services: ${services.map((s) => s.name).join(', ') || 'none'}`,
      ])
    }
    list.forEach((entry, i) => located.push({service, entry, origin: `${key}[${i}]`}))
  }
  return located
}

async function serviceForKey(input: PlanInput, key: string): Promise<ServiceModel | undefined> {
  const {services} = input.project
  const byName = services[key] ?? Object.values(services).find((s) => s.containerName === key)
  if (byName) return byName
  const name = await input.containerService(key)
  return name ? services[name] : undefined
}

function checkSelection(input: PlanInput): void {
  const unknown = input.services.filter((s) => !input.project.services[s])
  if (unknown.length > 0) {
    throw new UsageError(`no service ${unknown.join(', ')} in compose project ${input.project.name}`, [
      `services: ${Object.keys(input.project.services).join(', ')}`,
    ])
  }
}
