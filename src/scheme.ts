// The scheme plugin contract. Types only: a plugin imports this with `import type` and gets
// everything it needs at run time through the context objects, so an installed plugin has no
// runtime dependency on the core package.
import type {Readable, Transform, Writable} from 'node:stream'

import type {ProjectModel, ServiceModel} from './config/compose/model.js'

export type {MountModel, ProjectModel, ServiceModel, VolumeModel} from './config/compose/model.js'

/** A JSON Schema (draft 2020-12 subset understood by ajv). */
export type JsonSchema = Record<string, unknown>

export interface Logger {
  info(message: string): void
  warn(message: string): void
  debug(message: string): void
}

/** What a scheme's `plan` may use. Planning touches nothing: it only reads. */
export interface PlanContext {
  project: ProjectModel
  log: Logger
  /**
   * A config value that is either a literal or a key reference (`db.environment.MYSQL_PASSWORD`,
   * `db.image`): resolved from the compose model, falling back to the running container's
   * environment. Throws an error naming the reference when it cannot be resolved.
   */
  resolve(value: string, optionPath: string): Promise<string>
  /** Registers a value (a password) that must be masked wherever backupbot prints or logs. */
  secret(value: string): void
  /** Read-only questions to the engine (connected on first use), e.g. for what --dry-run shows. */
  docker: DockerQueries
}

/** A container as the Docker operations report it. */
export interface ContainerRef {
  id: string
  name: string
  running: boolean
  /** The compose service it belongs to, when it has the label. */
  service?: string
}

/** A command running inside a container (`docker exec`), with its output streamed out. */
export interface ExecHandle {
  /** Demultiplexed standard output; read it (or pipe it) or the command stalls. */
  stdout: Readable
  /** Demultiplexed standard error. */
  stderr: Readable
  /** Resolves with the command's exit code once it has ended and its output is drained. */
  exitCode: Promise<number>
}

export interface ExecOptions {
  /** Environment for the command only: the way to pass secrets (never in `cmd`). */
  env?: Record<string, string>
  /** Fed to the command's standard input, then closed. */
  stdin?: Readable
  user?: string
}

/** The Docker engine as a scheme sees it. Only src/docker/ talks to the engine itself. */
export interface DockerOps {
  /** Running containers of a compose service of the current project. */
  serviceContainers(service: string): Promise<ContainerRef[]>
  /** Runs `cmd` (no shell) in a running container. */
  exec(container: string, cmd: string[], options?: ExecOptions): Promise<ExecHandle>
  /** Every container, running or not, that mounts the volume (engine name). */
  volumeUsers(volume: string): Promise<ContainerRef[]>
  /**
   * Stops those of `containers` that are running, runs `work`, and starts them again in a
   * `finally`, also when `work` fails or backupbot is interrupted. Each stop is recorded in the
   * restart journal first, so a killed backupbot restarts them on its next run. Containers that
   * were already stopped are left alone (and stay stopped).
   */
  withStopped<T>(containers: ContainerRef[], work: () => Promise<T>): Promise<T>
  /**
   * The content of a volume as a plain tar stream (entries start with the basename of
   * `mountPoint`), read through the engine's archive API from a temporary container that is
   * created, never started, and always removed. Works for a remote engine.
   */
  readVolume(volume: string, mountPoint: string, options: {image: string}): Promise<Readable>
  /**
   * Runs `cmd` in a temporary container (log driver none, removed afterwards) that mounts the
   * volume at `mountPoint`; its standard output is streamed out.
   */
  runWithVolume(volume: string, mountPoint: string, options: {image: string; cmd: string[]}): Promise<ExecHandle>
  /** The image of the service's container (its id), if the service has one. */
  serviceImage(service: string): Promise<string | undefined>
  /** Whether `image` exists on the engine and `sh -c 'command -v <tool>'` succeeds in it. */
  imageHasTool(image: string, tool: string): Promise<boolean>
  /** Every container, running or not, that bind-mounts this host path (or a path inside it). */
  hostPathUsers(path: string): Promise<ContainerRef[]>
  /** Whether the volume exists; `createVolume` makes an empty one (for restore `--to`). */
  volumeExists(volume: string): Promise<boolean>
  createVolume(volume: string): Promise<void>
  /** Whether the volume holds nothing (read through the archive API, as readVolume). */
  volumeIsEmpty(volume: string, options: {image: string}): Promise<boolean>
  /** Deletes everything in the volume, in a temporary container of `image` (needs `find`). */
  emptyVolume(volume: string, options: {image: string}): Promise<void>
  /**
   * Extracts a plain tar stream into the volume through the engine's archive API (a temporary
   * container, created, never started, that mounts it at `mountPoint`): entries must start with
   * the basename of `mountPoint`, as readVolume's do.
   */
  writeVolume(volume: string, mountPoint: string, tar: Readable, options: {image: string}): Promise<void>
}

/** The read-only part of DockerOps, available while planning. */
export type DockerQueries = Pick<DockerOps, 'serviceContainers' | 'volumeUsers' | 'hostPathUsers' | 'serviceImage'>

/** Archive helpers written once in the core. */
export interface ArchiveOps {
  /**
   * A gzip-compressed tar of a host file or directory. Entries start with the path's basename,
   * as with the engine's archive API; modes, ownership, symlinks and mtimes are kept.
   */
  packPath(path: string): Readable
  /** A gzip compressor that uses every core (a multi-member .gz any gunzip reads). */
  gzip(): Transform
  /**
   * Restores a tar.gz made by packPath into `destination` (its top entry becomes `destination`),
   * keeping modes, owners, symlinks and mtimes. The archive is extracted next to it first; a
   * non-empty destination is then replaced exactly (files absent from the archive are removed),
   * only if `replace` is set. Refuses hostile entries (absolute, `..`, through a symlink).
   */
  extract(artifact: StoredArtifact, destination: string, options: {replace: boolean; devices: boolean}): Promise<void>
}

/** A stored version, as restore and verify get it. Its checksum has been checked. */
export interface StoredArtifact {
  /** Absolute path of the artifact file. */
  file: string
  /** Its version number (1 = newest). */
  number: number
  manifest: Record<string, unknown>
  /** The file as stored. */
  open(): Readable
  /** Decompressed when the file is gzip (`.gz`), else as stored. */
  content(): Readable
}

export interface RestoreOptions {
  /** Another destination than the original: a host path, a volume, a database (per scheme). */
  to?: string
  /** Replace a destination that is not empty. Without it, a non-empty destination is refused. */
  force: boolean
  /** Only say what would happen: touch nothing (checks that only read still run). */
  dryRun: boolean
  /** Allow device nodes in archives (only honoured when running as root). */
  devices: boolean
}

/** What a restore did (or, with dryRun, would do). */
export interface RestoreReport {
  /** Where the data goes: a host path, `volume <name>`, `database <name>`. */
  destination: string
  /** Containers stopped while restoring (or that would be). */
  stopped: string[]
  /** Whether existing data was (or would be) replaced. */
  replaced: boolean
}

export interface RunContext {
  project: ProjectModel
  log: Logger
  /** Aborted on SIGINT/SIGTERM: stop early, clean up, throw. */
  signal: AbortSignal
  docker: DockerOps
  archive: ArchiveOps
}

/** One thing a scheme will back up, as returned by `plan`. */
export interface PlannedItem<D = unknown> {
  /** The scheme-specific folder under `<target>/<service>/` (`bind_mounts`, `named_volumes`). */
  folder: string
  /** The item's name; the core turns it into a safe folder name (`data/x` -> `data+x`). */
  name: string
  /** Human-readable description of the source (a host path, `volume db_data`, ...). */
  source: string
  /** The artifact's file extension, with its dot (`.tar.gz`, `.sql.gz`). */
  extension: string
  /** Containers the backup of this item stops (shown by `--dry-run`). */
  stops?: string[]
  /**
   * What the item reads (`volume:<engine name>`, `host:<path>`), when services can share it.
   * Without a scheme config, a source shared by several services is backed up once, under the
   * first service.
   */
  identity?: string
  /** Scheme-private data handed back to `backup`. Never printed (it may hold secrets). */
  data: D
}

/** A planned item as the core runs it. */
export interface BackupItem<D = unknown> extends PlannedItem<D> {
  service: string
  /** The scheme `type` that planned it. */
  scheme: string
}

export interface SchemeDefinition<O = Record<string, unknown>, D = unknown> {
  /** The config `type` (`backup_host_directories`). */
  type: string
  /** Other names accepted in configs for the same scheme. */
  aliases?: string[]
  apiVersion: 1
  description: string
  /** JSON Schema of the scheme's config entry (the `type` property is added by the core). */
  optionsSchema: JsonSchema
  /** Default config entry used when there is no scheme config (zero-config), if any. */
  defaultEntry?: O
  /** From the validated options to the items to back up. Reads only; touches nothing. */
  plan(ctx: PlanContext, service: ServiceModel, options: O): Promise<Array<PlannedItem<D>>>
  /**
   * Writes the item's artifact into `out` and resolves when it is complete. The core writes
   * `out` under a temporary name and only keeps it if this resolves; throw on any failure.
   */
  backup(ctx: RunContext, item: BackupItem<D>, out: Writable): Promise<void>
  /**
   * Puts a stored version back: to the item's source, or `options.to`. Refuses a non-empty
   * destination without `force`, with the same restart guarantees as backup. With `dryRun`,
   * returns what it would do and touches nothing. The core has checked the artifact's checksum
   * and, for tar archives, every entry (see ArchiveOps.extract) before calling this.
   */
  restore?(ctx: RunContext, item: BackupItem<D>, artifact: StoredArtifact, options: RestoreOptions): Promise<RestoreReport>
  /**
   * Checks beyond the checksum and the gzip/tar structure that the core checks itself: reads
   * `content` (decompressed) completely and throws if it is not sound (a dump without its
   * trailer).
   */
  verify?(content: Readable, artifact: StoredArtifact): Promise<void>
}

/** What a plugin's `backupbot:schemes` hook returns. */
export type SchemesHookResult = SchemeDefinition<any, any>[]
