// The machine-readable results printed by `--json` (one object on stdout). Defined once here.
import type {RecoveryResult} from './recover.js'

export type ItemStatus = 'ok' | 'failed' | 'interrupted'

export interface ItemResult {
  project: string
  service: string
  scheme: string
  /** The item's name inside its folder (a host path relative to the project, a volume name). */
  item: string
  source: string
  /** The new version's artifact (absolute path, or snapshot and path), when it was written: in the first target, or the first that has it. */
  file?: string
  bytes?: number
  sha256?: string
  seconds: number
  /** Seconds its containers were stopped (first stop until all ran again), when it stopped any. */
  downtimeSeconds?: number
  /**
   * For an item that stops containers: read into a spool file while they were stopped (`bytes`
   * read in `seconds`) and compressed and stored after they ran again, or `streamed` into the
   * stores as it was read (why: `--no-spool`, no room for the spool, ...).
   */
  spool?: {bytes: number; seconds: number} | {streamed: string}
  /** Creation times of the older versions the retention policy removed, when it removed any. */
  removed?: string[]
  /**
   * Set when the new version is less than half the size of the one before (a dump cut short?):
   * it is kept, and retention removed nothing of this item in this run.
   */
  shrank?: {bytes: number; previousBytes: number}
  /** With several targets: each store's part (the item is ok only when every store has it). */
  stores?: StoreItemResult[]
  status: ItemStatus
  error?: string
}

/** One store's part of an item (`backup --target A --target B`). */
export interface StoreItemResult {
  target: string
  status: 'ok' | 'failed'
  file?: string
  bytes?: number
  sha256?: string
  removed?: string[]
  shrank?: {bytes: number; previousBytes: number}
  error?: string
}

export interface BackupResult {
  ok: boolean
  /** The first target; with several, `targets` lists them all. */
  target: string
  targets?: string[]
  items: ItemResult[]
  /** Containers a killed earlier run had left stopped, started before this run (only when there were any). */
  recovery?: RecoveryResult
  /** Every hook that ran, in order (only when hooks are configured); a failed one fails the run. */
  hooks?: HookResult[]
}

/** One hook run (`$settings.hooks`): the run's own, or one of a service's (`service` and `project` set). */
export interface HookResult {
  phase: 'before' | 'after' | 'on_error'
  project?: string
  service?: string
  /** A short description: `run: pg_isready`, `shell: ...`, `exec web: php occ maintenance:mode --on`. */
  hook: string
  status: 'ok' | 'failed'
  seconds: number
  error?: string
}

/** `backup --dry-run --json`: what would be done. */
export interface PlannedItemReport {
  project: string
  service: string
  scheme: string
  item: string
  source: string
  /** The folder that would receive the new version `.1`. */
  folder: string
  /** Containers that would be stopped while this item is read. */
  stops: string[]
  /** Creation times of the versions the retention policy would remove (with a policy only). */
  wouldRemove?: string[]
}

export interface DryRunResult {
  dryRun: true
  target: string
  items: PlannedItemReport[]
  /** The hooks that would run, described (only when hooks are configured). */
  hooks?: PlannedHooks
}

/** Each phase's hooks, described as in HookResult.hook. */
export interface PlannedHookSet {
  before?: string[]
  after?: string[]
  on_error?: string[]
}

export interface PlannedHooks extends PlannedHookSet {
  services?: Record<string, PlannedHookSet>
}

/** One item of `backupbot restore --json`. */
export interface RestoreItemResult {
  service: string
  scheme: string
  item: string
  version: number
  file?: string
  /** Where the data went (or, with --dry-run, would go). */
  destination?: string
  /** Containers stopped while restoring (or that would be). */
  stopped: string[]
  /** Whether existing data was (or would be) replaced. */
  replaced: boolean
  status: 'ok' | 'failed' | 'interrupted'
  error?: string
}

export interface RestoreResult {
  ok: boolean
  dryRun: boolean
  items: RestoreItemResult[]
  recovery?: RecoveryResult
}

/** One checked version of `backupbot verify --json`. */
export interface VerifyItemResult {
  service: string
  folder: string
  item: string
  version: number
  file?: string
  /** What was checked: `sha256`, `gzip`, `tar`, `content`. */
  checks: string[]
  status: 'ok' | 'failed'
  error?: string
}

/** `backupbot verify --json`: the store's own check, run once before the versions (a store with `check`). */
export interface StoreCheckResult {
  status: 'ok' | 'failed'
  /** What the store checked (`restic check`, `restic check --read-data`). */
  checks: string[]
  error?: string
}

export interface VerifyResult {
  /** False when a version or the store's own check failed. */
  ok: boolean
  target: string
  /** Only for a store with a check of its own (a restic repository); the local tree has none. */
  store?: StoreCheckResult
  items: VerifyItemResult[]
}

/** `backupbot config validate --json`: the file passed (a file with problems exits 2 with them instead). */
export interface ConfigValidateResult {
  valid: true
  file: string
  /** Its service and container names, in file order. */
  services: string[]
  /** Whether it has run settings (`$settings`). */
  settings: boolean
}
