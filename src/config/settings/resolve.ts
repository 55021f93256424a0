// What a backup runs with: a flag given on the command line (or its environment variable) wins,
// else the settings file's `$settings`, else the default. Pure, so that every rule is tested
// without a command line.
import {type Compression, DEFAULT_COMPRESSION} from '../../archive/compression.js'
import type {RetentionPolicy} from '../../target/retention.js'
import type {NotifySettings, RetentionSettings, RunHooks, Settings} from './types.js'

/** Where backups go when neither --target, BACKUPBOT_TARGET nor the settings file say. */
export const DEFAULT_TARGET = './backups'

/** The flags of `backup` that have a setting, as given: undefined when not given. */
export interface GivenRunOptions {
  targets?: string[]
  /** Any retention flag given: the whole policy they make (it replaces the file's). */
  retention?: RetentionPolicy
  /** --prune given. */
  prune?: boolean
  compression?: Compression
  spoolDir?: string
  /** false: --no-spool given. */
  spool?: boolean
  /** --metrics-file */
  metricsFile?: string
}

export interface RunSettings {
  targets: string[]
  retention?: RetentionPolicy
  prune: boolean
  compression: Compression
  spoolDir?: string
  spool: boolean
  hooks?: RunHooks
  notify?: NotifySettings
  metricsFile?: string
}

export function resolveRunSettings(given: GivenRunOptions, settings: Settings = {}): RunSettings {
  return {
    // A --target given replaces the file's list: adding to it would make a one-off run to another
    // place also write everywhere the file says.
    targets: given.targets ?? settings.targets ?? [DEFAULT_TARGET],
    retention: given.retention ?? policyOf(settings.retention),
    prune: given.prune ?? settings.retention?.prune ?? false,
    compression: given.compression ?? settings.compression ?? DEFAULT_COMPRESSION,
    spoolDir: given.spoolDir ?? settings.spool_dir,
    // --spool-dir given asks for the spool (it excludes --no-spool), whatever the file's `spool`.
    spool: given.spool ?? (given.spoolDir === undefined ? settings.spool : true) ?? true,
    hooks: settings.hooks,
    notify: settings.notify,
    metricsFile: given.metricsFile ?? settings.metrics_file,
  }
}

/** The settings file's retention as the policy the --keep flags would make; undefined without a rule. */
function policyOf(retention: RetentionSettings | undefined): RetentionPolicy | undefined {
  if (!retention) return undefined
  return definedOnly({
    last: retention.keep,
    hourly: retention.keep_hourly,
    daily: retention.keep_daily,
    weekly: retention.keep_weekly,
    monthly: retention.keep_monthly,
    yearly: retention.keep_yearly,
    within: retention.keep_within,
  })
}

/** `policy` without its undefined rules, or undefined when it has none (every version is kept). */
export function definedOnly(policy: RetentionPolicy): RetentionPolicy | undefined {
  const given = Object.fromEntries(Object.entries(policy).filter(([, v]) => v !== undefined)) as RetentionPolicy
  return Object.keys(given).length > 0 ? given : undefined
}
