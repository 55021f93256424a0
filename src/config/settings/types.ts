// The run settings: what `backup` (and `daemon`) read from the reserved `$settings` key of the
// scheme config file, besides its flags (a flag given on the command line wins). Defined once
// here; the JSON Schema (./schema.ts) and every consumer use these types.
//
// Why `$settings`: the other top-level keys are compose service or container names, and neither
// may contain `$` (Compose: [a-zA-Z0-9._-]; Docker: [a-zA-Z0-9][a-zA-Z0-9_.-]), so no project can
// collide with it. `$schema` (an editor's pointer to the published schema) is allowed beside it.
import type {Compression} from '../../archive/compression.js'

/** The reserved top-level key of the scheme config that holds the run settings. */
export const SETTINGS_KEY = '$settings'

export interface Settings {
  /** --target: where every item is written (default ./backups). */
  targets?: string[]
  /** --keep, --keep-daily, ..., --prune. */
  retention?: RetentionSettings
  /** --compression (a scheme entry's own compression: still wins for its items). */
  compression?: Compression
  /** --spool-dir */
  spool_dir?: string
  /** false is --no-spool. */
  spool?: boolean
  hooks?: RunHooks
  notify?: NotifySettings
  /** --metrics-file: Prometheus text format, for node-exporter's textfile collector. */
  metrics_file?: string
  /** What `backupbot daemon` runs on. */
  schedule?: ScheduleSettings
}

export interface RetentionSettings {
  keep?: number
  keep_hourly?: number
  keep_daily?: number
  keep_weekly?: number
  keep_monthly?: number
  keep_yearly?: number
  /** e.g. 1y2m7d12h */
  keep_within?: string
  prune?: boolean
}

/** A command run on the host: an argv list (no shell), or a shell line when asked for. */
export interface HostHook {
  /** argv, run without a shell. */
  run?: string[]
  /** A line for /bin/sh -c (only when a shell is wanted). Exactly one of run, shell. */
  shell?: string
  /** Seconds before it is killed (default 60). */
  timeout?: number
}

/** A command run (docker exec, no shell) in a running container of a compose service. */
export interface ExecHook {
  exec: string[]
  /** The service whose container runs it; default: the service the hook belongs to (required in run hooks). */
  service?: string
  user?: string
  workdir?: string
  /** Seconds before it is given up (default 60). */
  timeout?: number
}

export type Hook = HostHook | ExecHook

/**
 * `before` runs first; a failing one skips what it guards (nothing is stopped) and fails the
 * run. `after` always runs once `before` ran: on success, failure and SIGINT/SIGTERM.
 * `on_error` runs (before `after`) when what it guards failed.
 */
export interface HookSet {
  before?: Hook[]
  after?: Hook[]
  on_error?: Hook[]
}

/** The run's own hooks, and each compose service's (around that service's items). */
export interface RunHooks extends HookSet {
  services?: Record<string, HookSet>
}

export interface WebhookSettings {
  /** http(s) URL that gets a POST of the run's JSON document (`backup --json`, secrets masked). */
  url: string
  /** failure (default) or always. */
  when?: 'failure' | 'always'
  headers?: Record<string, string>
}

export interface NotifySettings {
  webhooks?: WebhookSettings[]
  /** healthchecks.io-style ping URL: <url>/start, <url> on success, <url>/fail with the error tail. */
  healthchecks?: string
  /** Seconds per delivery attempt (default 10). */
  timeout?: number
  /** Further attempts after a failed delivery (default 2). */
  retries?: number
}

export interface ScheduleSettings {
  /** A cron expression (5 or 6 fields), e.g. "0 3 * * *". */
  cron: string
  /** IANA time zone, e.g. Europe/Berlin (default: the machine's). */
  timezone?: string
}
