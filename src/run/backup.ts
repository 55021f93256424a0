// `backupbot backup` as a library call: load projects, validate the scheme config, plan every
// item (all before touching anything), then either report the plan (dry run) or run it.
import path from 'node:path'

import type {ProjectModel} from '../config/compose/model.js'
import {readSchemeConfig} from '../config/scheme/read-config.js'
import {type SchemeConfig, validateSchemeConfig} from '../config/scheme/validate-config.js'
import {archiveOps} from '../archive/index.js'
import {connectEngine, type Engine} from '../docker/engine.js'
import {createDockerOps} from '../docker/ops.js'
import {ConfigError, UsageError} from '../errors.js'
import type {SecretMasker} from '../log/secrets.js'
import {makePlan, type Plan} from '../plan/make-plan.js'
import type {SchemeRegistry} from '../plugins/load-schemes.js'
import type {Logger} from '../scheme.js'
import {encodeName} from '../target/layout.js'
import {engineLookups} from './engine-lookups.js'
import {loadProjects, type ProjectSource} from './load-projects.js'
import {entriesToRecover, recoverStopped, type RecoveryResult} from './recover.js'
import {RestartJournal} from './restart-journal.js'
import type {BackupResult, DryRunResult} from './result.js'
import {runBackup} from './run-backup.js'

export interface BackupOptions extends ProjectSource {
  config?: string
  target: string
  keep?: number
  services: string[]
  dryRun: boolean
  registry: SchemeRegistry
  log: Logger
  masker: SecretMasker
  signal: AbortSignal
  version: string
  /** The restart journal's directory (`<dataDir>/journal`). */
  journalDir: string
}

export async function backup(options: BackupOptions): Promise<BackupResult | DryRunResult> {
  const engine = lazyEngine()
  const journal = new RestartJournal(options.journalDir)
  // Before anything else: containers a killed run left stopped run again.
  const recovery = await recoverFirst(options, journal, engine)
  const target = path.resolve(options.cwd, options.target)
  const plans = await planProjects(options, target, engine, journal)
  if (options.dryRun) return dryRunReport(plans, target)
  return runBackup({
    plans,
    registry: options.registry,
    target,
    keep: options.keep,
    masker: options.masker,
    version: options.version,
    recovery,
    // One DockerOps per item, so that its downtime is its own and its stops are awaited.
    context: (plan, _item, onDowntime) => {
      const docker = createDockerOps({engine, project: plan.project.name, journal, log: options.log, signal: options.signal, onDowntime})
      return {
        context: {project: plan.project, log: options.log, signal: options.signal, docker, archive: archiveOps(options.log)},
        settled: () => docker.settled(),
      }
    },
  })
}

/** Only touches the engine when the journal holds entries of dead runs for it. */
async function recoverFirst(options: BackupOptions, journal: RestartJournal, engine: () => Engine): Promise<RecoveryResult | undefined> {
  const entries = await entriesToRecover(journal)
  if (entries.length === 0) return undefined
  const names = entries.map((e) => e.name).join(', ')
  if (options.dryRun) {
    options.log.warn(`a killed backupbot run left ${names} stopped; a real run (or \`backupbot recover\`) starts them again first`)
    return undefined
  }
  options.log.warn(`a killed backupbot run left ${names} stopped: starting them again first`)
  const recovery = await recoverStopped(engine, journal, options.log)
  if (!recovery.ok) options.log.warn(`still stopped: ${recovery.failed.map((f) => f.name).join(', ')}; the backup goes on and will exit with 1`)
  return recovery
}

export async function planProjects(options: BackupOptions, target: string, engine: () => Engine, journal: RestartJournal): Promise<Plan[]> {
  const projects = await loadProjects(options, engine)
  for (const warning of projects.flatMap((p) => p.warnings)) options.log.warn(warning)
  const raw = await readSchemeConfig(options.config, options.cwd)
  const entries = raw && validateSchemeConfig(raw, options.registry)
  // --discover: each project gets its own folder, keys and services need only match somewhere.
  const discovered = options.discover
  if (raw && entries && discovered) checkKeysMatchSomewhere(raw.file, entries, projects)
  if (discovered) checkServicesExistSomewhere(options.services, projects)
  const plans: Plan[] = []
  for (const project of projects) {
    const lookups = engineLookups(engine, project.name)
    plans.push(
      await makePlan({
        project,
        config: raw && entries ? {file: raw.file, entries: discovered ? keysOf(entries, project) : entries} : undefined,
        registry: options.registry,
        services: discovered ? options.services.filter((s) => project.services[s]) : options.services,
        target: discovered ? path.join(target, encodeName(project.name)) : target,
        log: options.log,
        masker: options.masker,
        containerEnvironment: lookups.containerEnvironment,
        containerService: lookups.containerService,
        // Planning only asks questions: no stop, so no journal entry, can happen here.
        docker: createDockerOps({engine, project: project.name, journal, log: options.log}),
      }),
    )
  }
  return plans
}

function dryRunReport(plans: Plan[], target: string): DryRunResult {
  return {
    dryRun: true,
    target,
    items: plans.flatMap((plan) =>
      plan.items.map((item) => ({
        project: plan.project.name,
        service: item.service,
        scheme: item.scheme,
        item: item.name,
        source: item.source,
        folder: item.itemDir,
        stops: item.stops ?? [],
      })),
    ),
  }
}

function matches(project: ProjectModel, key: string): boolean {
  return Boolean(project.services[key]) || Object.values(project.services).some((s) => s.containerName === key)
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

function lazyEngine(): () => Engine {
  let engine: Engine | undefined
  return () => (engine ??= connectEngine())
}
