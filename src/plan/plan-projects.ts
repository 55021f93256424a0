// Compose projects + scheme config + installed schemes -> one plan per project. Shared by backup
// and restore, so that a restore finds exactly the items (and their resolved options) a backup
// made. Reads only.
import type {Compression} from '../archive/compression.js'
import {loadProjects, type ProjectSource} from '../config/compose/load-projects.js'
import type {ProjectModel} from '../config/compose/model.js'
import {findLeftOut} from '../config/compose/profiles.js'
import type {ConfigFile, SchemeConfig} from '../config/scheme/validate-config.js'
import type {Engine} from '../docker/engine.js'
import {createDockerOps} from '../docker/ops.js'
import type {StopJournal} from '../docker/stop-start.js'
import {ConfigError, UsageError} from '../errors.js'
import type {SecretMasker} from '../log/secrets.js'
import type {DockerOps, DockerQueries, Logger} from '../scheme.js'
import type {SchemeRegistry} from '../schemes/registry.js'
import {engineLookups} from './engine-lookups.js'
import {makePlan, type Plan} from './make-plan.js'

export interface PlanningOptions extends ProjectSource {
  /** The validated scheme config file (its `$settings` are not planning's business); undefined: zero-config. */
  config?: ConfigFile
  services: string[]
  registry: SchemeRegistry
  log: Logger
  masker: SecretMasker
  /** `backup --compression`: each item's compressor unless its config entry says `compression:` (default gzip). */
  compression?: Compression
}

export async function planProjects(options: PlanningOptions, engine: () => Engine, journal: StopJournal): Promise<Plan[]> {
  const projects = await loadProjects(options, engine)
  for (const warning of projects.flatMap((p) => p.warnings)) options.log.warn(warning)
  const {config} = options
  // --discover: each project gets its own place in the store, keys and services need only match somewhere.
  const discovered = options.discover
  if (config && discovered) checkKeysMatchSomewhere(config.file, config.scheme, projects)
  if (discovered) checkServicesExistSomewhere(options.services, projects)
  const plans: Plan[] = []
  for (const project of projects) {
    const lookups = engineLookups(engine, project.name)
    plans.push(
      await makePlan({
        project,
        config: config && {file: config.file, entries: discovered ? keysOf(config.scheme, project) : config.scheme},
        registry: options.registry,
        services: discovered ? options.services.filter((s) => project.services[s]) : options.services,
        ...(discovered ? {projectFolder: true} : {}),
        log: options.log,
        masker: options.masker,
        containerEnvironment: lookups.containerEnvironment,
        containerService: lookups.containerService,
        // Planning only asks questions: nothing else of the engine is within its reach.
        docker: queriesOf(createDockerOps({engine, project: project.name, journal, log: options.log})),
        compression: options.compression,
      }),
    )
  }
  return plans
}

function matches(project: ProjectModel, key: string): boolean {
  const inProject = Boolean(project.services[key]) || Object.values(project.services).some((s) => s.containerName === key)
  return inProject || findLeftOut(project.leftOut, key) !== undefined
}

function keysOf(entries: SchemeConfig, project: ProjectModel): SchemeConfig {
  return Object.fromEntries(Object.entries(entries).filter(([key]) => matches(project, key)))
}

function checkKeysMatchSomewhere(file: string, entries: SchemeConfig, projects: ProjectModel[]): void {
  for (const key of Object.keys(entries)) {
    if (!projects.some((p) => matches(p, key))) {
      throw new ConfigError(file, key, 'matches no service or container_name of any discovered compose project', [
        `projects: ${projects.map((p) => p.name).join(', ')}`,
      ])
    }
  }
}

function checkServicesExistSomewhere(services: string[], projects: ProjectModel[]): void {
  const unknown = services.filter((s) => !projects.some((p) => p.services[s]))
  if (unknown.length > 0) throw new UsageError(`no discovered compose project has a service ${unknown.join(', ')}`)
}

/** The read-only part of the engine operations, as planning gets it (DockerQueries). */
function queriesOf(docker: DockerOps): DockerQueries {
  const {ofService, usingVolume, usingHostPath} = docker.containers
  return {containers: {ofService, usingVolume, usingHostPath}, images: {ofService: docker.images.ofService}}
}
