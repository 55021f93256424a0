// `backupbot backup` as a library call: load projects, validate the scheme config, plan every
// item (all before touching anything), then either report the plan (dry run) or run it.
import path from 'node:path'

import {lazyEngine} from '../docker/engine.js'
import type {Plan} from '../plan/make-plan.js'
import {planProjects, type PlanningOptions} from '../plan/plan-projects.js'
import {itemContext} from './item-context.js'
import type {Progress} from './progress.js'
import {recoverFirst} from './recover.js'
import {RestartJournal} from './restart-journal.js'
import type {BackupResult, DryRunResult} from './result.js'
import {runBackup} from './run-backup.js'

export interface BackupRequest extends PlanningOptions {
  target: string
  keep?: number
  dryRun: boolean
  signal: AbortSignal
  version: string
  /** The restart journal's directory (`<dataDir>/journal`). */
  journalDir: string
  progress?: Progress
}

export async function backup(options: BackupRequest): Promise<BackupResult | DryRunResult> {
  const engine = lazyEngine()
  const journal = new RestartJournal(options.journalDir)
  // Before anything else: containers a killed run left stopped run again.
  const recovery = await recoverFirst(journal, engine, options.log, options.dryRun)
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
    progress: options.progress,
    context: (plan, item, onDowntime) =>
      itemContext({engine, journal, project: plan.project, scheme: item.scheme, log: options.log, signal: options.signal, onDowntime}),
  })
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

