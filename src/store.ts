// The store contract: where versions of items live. The local folder tree (src/target/) is one
// store; others come from plugins (plugins/restic: a restic repository, `--target restic:<repo>`)
// through the `backupbot:stores` hook. Types only, like the scheme contract beside it: the core
// reads an item once and hands its stream to a store, which writes it atomically (nothing is left
// of a failed or interrupted write), lists items and versions, opens a version for restore and
// verify, applies a retention policy and holds a lock.
import type {Writable} from 'node:stream'

import type {Logger, Manifest, StoredArtifact} from './scheme.js'

/** Where an item's versions are, in any store. */
export interface ItemKey {
  /** The compose project the item belongs to. */
  project: string
  /** With `--discover` (several projects in one tree), the local tree gives each project its own folder. */
  projectFolder?: boolean
  service: string
  /** The scheme's folder (`bind_mounts`, `mysql`). */
  folder: string
  /** The item's name (`all-databases`, a volume, a host path relative to the project). */
  name: string
}

/** Which older versions to keep (restic forget's rules; src/target/retention.ts). */
export interface RetentionPolicy {
  /** The n newest versions (`--keep N`). Counts are whole numbers; 0 or absent turns a rule off. */
  last?: number
  /** The newest version of each of the n most recent hours that have a version. */
  hourly?: number
  daily?: number
  /** ISO weeks, Monday to Sunday. */
  weekly?: number
  monthly?: number
  yearly?: number
  /** Every version made within this duration (`1y5m7d2h`) before the newest version. */
  within?: string
}

/** The manifest fields the core gives a new version; the store adds file, bytes, sha256, created. */
export type ManifestSource = Pick<Manifest, 'project' | 'service' | 'scheme' | 'item' | 'source' | 'backupbot'>

export interface NewVersion {
  /** The stored file's extension (`.tar.gz`, `.tar.zst` when the core compressed the data for this store). */
  extension: string
  manifest: ManifestSource
  /** Which older versions to remove once this one is complete. Unset: keep all. */
  retention?: RetentionPolicy
  /** Told the bytes written so far (a progress display). */
  onBytes?: (total: number) => void
}

export interface WrittenVersion {
  /** Where the new version is (a file path, a snapshot). */
  file: string
  bytes: number
  sha256: string
  /** ISO time at which writing started. */
  created: string
  /** Creation times of the older versions retention removed. */
  removed: string[]
  /** Set when the new version is less than half the size of the one before: nothing was removed then. */
  shrank?: {previousBytes: number}
  /** Versions retention kept because it could not date them. */
  undated: number[]
}

export interface VersionListing {
  /** 1 = newest. */
  number: number
  /** Where the version is (its folder in the local tree, its snapshot in a repository). */
  dir: string
  /** For a store that keeps versions as snapshots: the (full) id of the one holding the data. */
  snapshot?: string
  created?: string
  bytes?: number
  sha256?: string
  /** Where its artifact is. */
  file?: string
  /** The manifest as recorded, when it could be read (`error` names a core field it lacks). */
  manifest?: Manifest
  /** Why the version cannot be used; the other fields may then be missing. */
  error?: string
}

export interface ItemListing {
  /** In a store shared by several machines: the one that wrote the item. */
  host?: string
  /** Set when the store records it (a repository does; the local tree only with `--discover`). */
  project?: string
  service: string
  folder: string
  item: string
  /** Where the item's versions are. */
  dir: string
  /** Newest first. */
  versions: VersionListing[]
  /** Set when the item's place was not written by backupbot. */
  error?: string
}

/** Which items `list` returns. */
export interface ListFilter {
  service?: string
  /** Every machine's items, not only this one's (a store with `hosts`). */
  allHosts?: boolean
}

/** A stored version opened for reading; the core adds `edges` (and `tar`) to make a StoredArtifact. */
export type OpenedVersion = Pick<StoredArtifact, 'file' | 'number' | 'manifest' | 'open' | 'content'>

export interface Store {
  /** The store as the user named it, resolved (an absolute path for the local tree), never with credentials. */
  readonly location: string
  /**
   * Whether several machines may write here: versions are then this machine's unless
   * `list({allHosts})` or `version(key, n, {host})` asks for another's.
   */
  readonly hosts: boolean
  /**
   * Whether the core compresses what it writes here (a plain folder); false for a store that
   * compresses and deduplicates itself, which must get the data as it is.
   */
  readonly wantsCompressed: boolean
  /**
   * Held for a whole run; throws LockedError (exit 3) when another run holds it. A backup run
   * stops before anything is read when it throws with exitCode 2 (bad input: no repository, a
   * wrong password) or 3; any other error (the repository cannot be reached) leaves this store
   * out of the run while the other targets still get every item, which then fails here
   * (src/run/run-backup.ts).
   */
  lock(): Promise<() => Promise<void>>
  /** Where an item's versions are, for messages and `--dry-run`. */
  where(key: ItemKey): string
  /**
   * Writes a new version from what `write` puts into its stream, atomically: it becomes a
   * version only if `write` resolves; then retention runs.
   */
  write(key: ItemKey, version: NewVersion, write: (out: Writable) => Promise<void>): Promise<WrittenVersion>
  /** Creation times of the versions retention would remove if a version were written now. */
  wouldRemove(key: ItemKey, policy: RetentionPolicy): Promise<string[]>
  /** Every item (of one service), with its versions. */
  list(filter?: ListFilter): Promise<ItemListing[]>
  /** One version of an item (this machine's, or `host`'s), or undefined when there is none with that number. */
  version(key: ItemKey, number: number, from?: {host?: string}): Promise<VersionListing | undefined>
  /** A listed version, to read; throws when it is unusable (see VersionListing.error). */
  open(version: VersionListing): OpenedVersion
  /** Throws unless the stored artifact is exactly what was written (its recorded sha256 and size). */
  checkIntegrity(artifact: StoredArtifact): Promise<void>
  /** The store's own consistency check, beyond the versions' (`restic check`); `readData` reads every byte. */
  check?(options: {readData: boolean}): Promise<string[]>
}

// ---------------------------------------------------------------------------------------------
// Store plugins

/** What the core gives a store plugin when it opens a store. */
export interface StoreContext {
  /** The directory relative locations are resolved against. */
  cwd: string
  log: Logger
  /** The environment the store's tools get (credentials come from here, never from arguments). */
  env: NodeJS.ProcessEnv
  /** Registers a value (a password, a key) that must appear nowhere backupbot prints. */
  secret(value: string): void
  /** This machine's name: versions are written as its and listed for it by default. */
  host: string
  /** Prune what retention removed, when the store separates forgetting from freeing space (`--prune`). */
  prune: boolean
}

/**
 * A kind of store, chosen by the prefix of `--target` (`restic:/srv/repo`). Errors a store
 * throws may carry `exitCode` (2: bad input such as a missing repository, nothing touched;
 * 3: locked) and `suggestions` (what to do).
 */
export interface StoreDefinition {
  /** `restic` for targets `restic:<repository>`. */
  prefix: string
  apiVersion: 1
  description: string
  /** `location` is the target without its prefix; throws (exitCode 2) when it is malformed. */
  open(location: string, ctx: StoreContext): Store
}

/** What a plugin's `backupbot:stores` hook returns. */
export type StoresHookResult = StoreDefinition[]
