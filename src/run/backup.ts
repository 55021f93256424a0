// `backupbot backup` as a library call: load projects, validate the scheme config, plan every
// item (all before touching anything), then either report the plan (dry run) or run it.
import type {NotifySettings, RunHooks} from '../config/settings/types.js'
import {lazyEngine} from '../docker/engine.js'
import {createDockerOps} from '../docker/ops.js'
import {UsageError} from '../errors.js'
import type {Plan} from '../plan/make-plan.js'
import {planProjects, type PlanningOptions} from '../plan/plan-projects.js'
import type {RetentionPolicy, Store} from '../store.js'
import {checkPolicy} from '../target/retention.js'
import {checkCompressors} from './compress.js'
import {checkHooks} from './hooks/check-hooks.js'
import {plannedHooks} from './hooks/describe.js'
import {hookRunner} from './hooks/runner.js'
import {itemContext} from './item-context.js'
import {openStore, type OpenStoreOptions} from './open-store.js'
import type {Progress} from './progress.js'
import {recoverFirst} from './recover.js'
import {RestartJournal} from './restart-journal.js'
import type {BackupResult, DryRunResult} from './result.js'
import {runBackup} from './run-backup.js'
import {spoolSettings} from './spool.js'

export interface BackupRequest extends PlanningOptions, OpenStoreOptions {
  /** Where to write: each item is read once and written to every one of them. */
  targets: string[]
  /** Which older versions to remove once an item's new version is complete (restic forget's rules). */
  retention?: RetentionPolicy
  dryRun: boolean
  signal: AbortSignal
  version: string
  /** The restart journal's directory (`<dataDir>/journal`). */
  journalDir: string
  progress?: Progress
  /** --spool-dir: where items that stop containers are read to first (default: the first local target, else the system's temporary directory). */
  spoolDir?: string
  /** False with --no-spool: every item streams into the stores as it is read. */
  spool?: boolean
  /** `$settings.hooks`: before/after/on_error commands around the run and around each service's items. */
  hooks?: RunHooks
  /** `$settings.notify`: webhooks and healthchecks pings about the run (src/notify; sent by the command, whatever the outcome). */
  notify?: NotifySettings
  /** --metrics-file (`$settings.metrics_file`): Prometheus text format, rewritten after every run (src/metrics). */
  metricsFile?: string
  /** Called once everything is validated, right before the first item runs (never on a dry run): the healthchecks /start ping. */
  onRunStart?: () => void
}

export async function backup(options: BackupRequest): Promise<BackupResult | DryRunResult> {
  const engine = lazyEngine()
  const journal = new RestartJournal(options.journalDir)
  // Before anything else: containers a killed run left stopped run again.
  const recovery = await recoverFirst(journal, engine, options.log, options.dryRun)
  if (options.retention) checkPolicy(options.retention)
  if (options.targets.length === 0) throw new UsageError('give at least one --target')
  const stores = options.targets.map((target) => openStore(target, options))
  const locations = stores.map((s) => s.location)
  const twice = locations.find((l, i) => locations.indexOf(l) !== i)
  if (twice) throw new UsageError(`--target ${twice} is given twice`)
  const spool = await spoolSettings({dir: options.spoolDir, cwd: options.cwd, enabled: options.spool ?? true, stores, engine})
  const plans = await planProjects(options, engine, journal)
  await checkCompressors(plans.flatMap((plan) => plan.items), stores)
  if (options.hooks) checkHooks(options.hooks, plans, options.services)
  // --dry-run shows the first target's view.
  if (options.dryRun) return {...(await dryRunReport(plans, stores[0]!, options.retention)), ...(options.hooks ? {hooks: plannedHooks(options.hooks)} : {})}
  options.onRunStart?.()
  return runBackup({
    plans,
    registry: options.registry,
    stores,
    retention: options.retention,
    masker: options.masker,
    log: options.log,
    version: options.version,
    recovery,
    progress: options.progress,
    spool,
    context: (plan, item, onDowntime) =>
      itemContext({engine, journal, project: plan.project, scheme: item.scheme, log: options.log, signal: options.signal, onDowntime}),
    ...(options.hooks ? {hooks: {settings: options.hooks, runner: hookRunner((project) => createDockerOps({engine, project, journal, log: options.log})), signal: options.signal, cwd: options.cwd}} : {}),
  })
}

async function dryRunReport(plans: Plan[], store: Store, retention: RetentionPolicy | undefined): Promise<DryRunResult> {
  const items: DryRunResult['items'] = []
  for (const plan of plans) {
    for (const item of plan.items) {
      // As if the new version were written now and complete (retention never runs otherwise).
      const wouldRemove = retention && (await store.wouldRemove(item.key, retention))
      items.push({
        project: plan.project.name,
        service: item.service,
        scheme: item.scheme,
        item: item.name,
        source: item.source,
        folder: store.where(item.key),
        stops: item.stops ?? [],
        ...(wouldRemove ? {wouldRemove} : {}),
      })
    }
  }
  return {dryRun: true, target: store.location, items}
}

