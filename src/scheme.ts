// The scheme plugin contract, version 2. Types only: a plugin imports this with `import type`
// and gets everything it needs at run time through the context objects, so an installed plugin
// has no runtime dependency on the core package. Helpers for a plugin's own tests come from
// `backupbot/testing` (a devDependency).
import type {Readable, Writable} from 'node:stream'

/** A JSON Schema (draft 2020-12 subset understood by ajv). */
export type JsonSchema = Record<string, unknown>

export interface Logger {
  info(message: string): void
  warn(message: string): void
  debug(message: string): void
}

// ---------------------------------------------------------------------------------------------
// The compose project, as a scheme sees it

/** One entry of a service's `volumes:` after interpolation and normalisation. */
export interface MountInfo {
  /** `anonymous` is a volume entry without a source (`- /data`): not backed up. */
  type: 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'anonymous'
  /** bind: absolute host path; volume: the compose volume name (key under top-level `volumes:`). */
  source?: string
  /** The path inside the container. */
  target: string
  readOnly: boolean
  /** volume only: the volume's name in the engine (`<project>_<name>`, `name:`, or external). */
  volumeName?: string
  /** Whether backupbot can back this mount up; `reason` says why not. */
  backedUp: boolean
  reason?: string
}

export interface ServiceInfo {
  name: string
  /** `container_name:` when the service sets one. */
  containerName?: string
  image?: string
  /** `environment:` in map form. */
  environment: Record<string, string>
  mounts: MountInfo[]
}

export interface ProjectInfo {
  name: string
  /** Absolute project directory (relative paths in the compose files are relative to it). */
  directory: string
  services: Record<string, ServiceInfo>
}

// ---------------------------------------------------------------------------------------------
// The Docker engine, as a scheme sees it (only src/docker/ talks to the engine itself)

/** A container as the Docker operations report it. */
export interface ContainerRef {
  id: string
  name: string
  running: boolean
  /** The compose service it belongs to, when it has the label. */
  service?: string
}

/** A command running inside a container, with its output streamed out. */
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
  /** The command's working directory in the container (default: the image's). */
  workdir?: string
}

export interface ContainerOps {
  /** Running containers of a compose service of the current project. */
  ofService(service: string): Promise<ContainerRef[]>
  /** Every container, running or not, of any project, that mounts the volume (engine name). */
  usingVolume(volume: string): Promise<ContainerRef[]>
  /** Every container, running or not, that bind-mounts this host path, a path inside it or a folder holding it. */
  usingHostPath(path: string): Promise<ContainerRef[]>
  /**
   * Stops those of `containers` that are running, runs `work`, and starts them again in a
   * `finally`, also when `work` fails or backupbot is interrupted. Each stop is recorded in the
   * restart journal first, so a killed backupbot restarts them on its next run. Containers that
   * were already stopped are left alone (and stay stopped).
   */
  withStopped<T>(containers: ContainerRef[], work: () => Promise<T>): Promise<T>
}

export interface ImageOps {
  /** The image (its id) of the service's container, if the service has one. */
  ofService(service: string): Promise<string | undefined>
  /** Whether `image` exists on the engine and `sh -c 'command -v <tool>'` succeeds in it. */
  hasTool(image: string, tool: string): Promise<boolean>
}

/**
 * Named volumes, always through temporary containers of `image` (log driver none, no network,
 * always removed) that mount the volume; reads and writes go through the engine's archive API
 * of a created, never started container, so they work with a remote engine and need no tools.
 */
export interface VolumeOps {
  /** The volume's content as a plain tar stream; entries start with the basename of `mountPoint`. */
  read(volume: string, mountPoint: string, options: {image: string}): Promise<Readable>
  /**
   * As `read`, in two steps: the temporary container is created now, before the volume's users
   * are stopped, so that the stop lasts only as long as `read()` itself. Call `remove()` in a
   * `finally` once the users run again (removing it unmounts the volume, which would hold their
   * start back), also when the read never happens.
   */
  prepareRead(volume: string, mountPoint: string, options: {image: string}): Promise<PreparedRead>
  /** Runs `cmd` in a started temporary container that mounts the volume read-only at `mountPoint`. */
  run(volume: string, mountPoint: string, options: {image: string; cmd: string[]}): Promise<ExecHandle>
  exists(volume: string): Promise<boolean>
  /** An empty local volume (restore `--to`). */
  create(volume: string): Promise<void>
  isEmpty(volume: string, options: {image: string}): Promise<boolean>
  /** Deletes everything in the volume, as root in a temporary container of `image` (needs `find`). */
  empty(volume: string, options: {image: string}): Promise<void>
  /** Extracts a plain tar stream whose entries start with the basename of `mountPoint`. */
  write(volume: string, mountPoint: string, tar: Readable, options: {image: string}): Promise<void>
}

/** A volume read whose temporary container exists already (VolumeOps.prepareRead). */
export interface PreparedRead {
  /** The volume's content as a plain tar stream; once only. */
  read(): Promise<Readable>
  /** Removes the container; safe to call any number of times. */
  remove(): Promise<void>
}

export interface DockerOps {
  containers: ContainerOps
  images: ImageOps
  volumes: VolumeOps
  /** Runs `cmd` (no shell) in a running container. Most schemes want RunContext.commands instead. */
  exec(container: string, cmd: string[], options?: ExecOptions): Promise<ExecHandle>
}

/** The read-only part of DockerOps, available while planning. */
export interface DockerQueries {
  containers: Pick<ContainerOps, 'ofService' | 'usingVolume' | 'usingHostPath'>
  images: Pick<ImageOps, 'ofService'>
}

// ---------------------------------------------------------------------------------------------
// Commands in a service's running container: the plumbing every database scheme needs

export interface CommandOptions {
  /** Environment for the command only: the way to pass secrets (never in `cmd`). */
  env?: Record<string, string>
  /** Fed to standard input, then closed; destroyed at once when backupbot is interrupted. */
  input?: Readable
  /** How many bytes of the end of stdout and of stderr are kept (default 64 KiB). */
  keep?: number
  /** Called with every line of stderr (cut at 4 KiB) as it comes: for messages that must be counted, not only kept. */
  onStderrLine?: (line: string) => void
  /** Names the command in errors: `<doing> in <container> was interrupted` (default: the program's name). */
  doing?: string
}

export interface CommandResult {
  code: number
  /** The last `keep` bytes of standard output and of standard error. */
  stdout: string
  stderr: string
  /**
   * What went wrong, on one line: the last lines of stderr, or for exit codes 126/127 (the engine
   * could not start the program) the engine's own message; '' when there is none.
   */
  message: string
}

export interface StreamOptions {
  env?: Record<string, string>
  /** Keep the first `head` bytes of the output for checks (a magic number). Default 0. */
  head?: number
  /** Keep the last `tail` bytes of the output for checks (a trailer). Default 4 KiB. */
  tail?: number
}

export interface StreamResult {
  code: number
  /** The output's first `head` and last `tail` bytes, as it was written (before compression). */
  head: Buffer
  tail: Buffer
  /** The last 64 KiB of standard error. */
  stderr: string
  /** As CommandResult.message. */
  message: string
}

export interface CommandOps {
  /**
   * The running container of `service` (the first, when several run); a clear error naming the
   * service and how to start it when none runs.
   */
  runningContainer(service: string): Promise<ContainerRef>
  /**
   * Runs `cmd` in the container and collects the end of its output. A non-zero exit code is not
   * an error (check `code`); the command breaking off, or backupbot being interrupted, is.
   */
  run(container: ContainerRef, cmd: string[], options?: CommandOptions): Promise<CommandResult>
  /**
   * Runs `cmd` in the container and streams its standard output into `out` (the artifact),
   * keeping its first and last bytes; stopped when backupbot is interrupted. Resolves once the
   * output is written and the exit code is known; check `code` and the kept bytes.
   */
  streamTo(out: Writable, container: ContainerRef, cmd: string[], options?: StreamOptions): Promise<StreamResult>
  /** As streamTo, for a command already started (VolumeOps.run). */
  save(handle: ExecHandle, out: Writable, options?: Pick<StreamOptions, 'head' | 'tail'>): Promise<StreamResult>
}

// ---------------------------------------------------------------------------------------------
// Archives and stored versions

/** Archive helpers written once in the core. */
export interface ArchiveOps {
  /**
   * A plain tar of a host file or directory. Entries start with the path's basename, as with the
   * engine's archive API; modes, ownership, symlinks and mtimes are kept; sockets are left out
   * with a warning; any unreadable file fails the stream.
   */
  packPath(path: string): Readable
  /**
   * Restores a tar made by packPath into `destination` (its top entry becomes `destination`),
   * keeping modes, owners, symlinks and mtimes. The archive is extracted next to it first; a
   * non-empty destination is then replaced exactly (files absent from the archive are removed),
   * only if `replace` is set. Refuses hostile entries (absolute, `..`, through a symlink).
   */
  extract(artifact: StoredArtifact, destination: string, options: {replace: boolean; devices: boolean}): Promise<void>
}

/** What the core records with every version (`manifest.json`). */
export interface Manifest {
  format: 1
  project: string
  service: string
  /** The scheme `type` that made it. */
  scheme: string
  /** The item's name (`all-databases`, a volume, a host path relative to the project). */
  item: string
  source: string
  /** The backupbot version that wrote it. */
  backupbot: string
  /** The artifact's file name inside the version folder. */
  file: string
  bytes: number
  sha256: string
  /** ISO time at which writing started. */
  created: string
}

/** What the core learnt reading a tar artifact through: every entry checked (see ArchiveOps.extract). */
export interface TarSummary {
  /** Number of entries (meta headers such as pax headers not counted). */
  entries: number
  /** Total size of the regular files' contents. */
  bytes: number
  /** The common first path component of all entries. */
  root: string
  /** What the root entry itself is; undefined when the archive does not list it. */
  rootKind?: 'directory' | 'file' | 'symlink' | 'special'
}

/** A stored version, as restore and verify get it. Its checksum has been checked. */
export interface StoredArtifact {
  /** Absolute path of the artifact file. */
  file: string
  /** Its version number (1 = newest). */
  number: number
  manifest: Manifest
  /** For a tar artifact: its summary, every entry checked (set before restore and verify call the scheme). */
  tar?: TarSummary
  /** The file as stored. */
  open(): Readable
  /** Decompressed when the file is gzip (`.gz`) or zstd (`.zst`), else as stored. */
  content(): Readable
  /** Reads content() to its end, keeping only its first `head` and last `tail` bytes. */
  edges(limits: {head?: number; tail?: number}): Promise<{head: Buffer; tail: Buffer}>
}

// ---------------------------------------------------------------------------------------------
// Contexts

/** The options every database scheme shares; `commonOptions: 'database'` adds them to its schema. */
export interface DatabaseOptions {
  /** One database (a literal or a key reference such as `db.environment.MYSQL_DATABASE`). */
  database?: string
  /** `["all"]` (every database) or a list of databases (literals or references). */
  databases?: string[]
  /** A literal or a key reference; default DatabaseRules.defaultUser. */
  user?: string
  /** A literal or a key reference; masked everywhere backupbot prints. */
  password?: string
  /** Extra arguments for the dump tool. */
  extra_args?: string[]
}

/** What a database scheme tells PlanContext.databases about its tool. */
export interface DatabaseRules {
  defaultUser: string
  /** Why `name` cannot be a database name for this tool, if it cannot. */
  refuseName?(name: string): string | undefined
  /** Why an extra argument is refused (`all`: every database is dumped), if it is. Never echo a value. */
  refuseArgument?(arg: string, all: boolean): string | undefined
}

/** One database to dump, as PlanContext.databases resolves it. */
export interface DatabaseTarget {
  /** undefined: every database. */
  database?: string
  /** The item's name: the database, or `all-databases`. */
  name: string
  /** `database shop` or `all databases`, for messages. */
  what: string
  /** Set for the all-databases target: why its dump cannot be restored elsewhere (PlannedItem.refuseRestoreTo). */
  refuseRestoreTo?: string
}

export interface DatabaseSelection {
  targets: DatabaseTarget[]
  user: string
  /** Registered as a secret; pass it in the command's environment only. */
  password?: string
  extraArgs: string[]
}

/** What a scheme's `plan` may use. Planning touches nothing: it only reads. */
export interface PlanContext {
  project: ProjectInfo
  log: Logger
  /**
   * A config value that is either a literal or a key reference (`db.environment.MYSQL_PASSWORD`,
   * `db.image`): resolved from the compose model, falling back to the running container's
   * environment. Throws an error naming the option when it cannot be resolved.
   */
  resolve(value: string, optionPath: string): Promise<string>
  /** As resolve, and the value is masked wherever backupbot prints or logs from now on. */
  resolveSecret(value: string, optionPath: string): Promise<string>
  /**
   * The DatabaseOptions of a config entry resolved: exactly one of `database`/`databases`,
   * references followed, names and extra arguments checked against `rules`, the password a
   * secret. Throws an error naming the option on any problem.
   */
  databases(options: DatabaseOptions, rules: DatabaseRules): Promise<DatabaseSelection>
  /** Read-only questions to the engine (connected on first use), e.g. for what --dry-run shows. */
  docker: DockerQueries
}

export interface RunContext {
  project: ProjectInfo
  log: Logger
  /** Aborted on SIGINT/SIGTERM: stop early, clean up, throw. */
  signal: AbortSignal
  docker: DockerOps
  commands: CommandOps
  archive: ArchiveOps
}

/**
 * What `verify` may use: it needs no compose project and no engine. It only reads, so SIGINT
 * simply ends the process: there is nothing to clean up.
 */
export interface VerifyContext {
  log: Logger
}

// ---------------------------------------------------------------------------------------------
// Items and the scheme itself

/** One thing a scheme will back up, as returned by `plan`. */
export interface PlannedItem<D = unknown> {
  /** The scheme-specific folder under `<target>/<service>/` (`bind_mounts`, `named_volumes`). */
  folder: string
  /** The item's name; the core turns it into a safe folder name (`data/x` -> `data+x`). */
  name: string
  /** Human-readable description of the source (a host path, `volume db_data`, ...). */
  source: string
  /** The extension of what `backup` writes, with its dot (`.tar`, `.sql`, `.dump`). */
  extension: string
  /**
   * `backup` writes uncompressed data that the core compresses as the user chose (`backup
   * --compression`, or the entry's `compression:`; gzip by default): the stored file gets `.gz`
   * or `.zst` after `extension` (nothing with `none`, or in a store that compresses itself), and
   * restore and verify read it decompressed. False for data that is compressed already (a
   * pg_dump custom archive).
   */
  compress: boolean
  /** Containers the backup of this item stops (shown by `--dry-run`). */
  stops?: string[]
  /**
   * What the item reads (`volume:<engine name>`, `host:<path>`), when services can share it.
   * Without a scheme config, a source shared by several services is backed up once, under the
   * first service.
   */
  identity?: string
  /** Why `restore --to` cannot be used with this item (an all-databases dump), if it cannot. */
  refuseRestoreTo?: string
  /** Scheme-private data handed back to `backup` and `restore`. Never printed (it may hold secrets). */
  data: D
}

/** A planned item as the core runs it. */
export interface BackupItem<D = unknown> extends PlannedItem<D> {
  service: string
  /** The scheme `type` that planned it. */
  scheme: string
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

export interface SchemeDefinition<O = Record<string, unknown>, D = unknown> {
  /** The config `type` (`backup_host_directories`). */
  type: string
  /** Other names accepted in configs for the same scheme. */
  aliases?: string[]
  apiVersion: 2
  description: string
  /** JSON Schema of the scheme's own options (the core adds `type`, and the common options below). */
  optionsSchema: JsonSchema
  /** `database`: the core adds DatabaseOptions to the schema; plan resolves them with PlanContext.databases. */
  commonOptions?: 'database'
  /** Default config entry used when there is no scheme config (zero-config), if any. */
  defaultEntry?: O
  /** From the validated options to the items to back up. Reads only; touches nothing. */
  plan(ctx: PlanContext, service: ServiceInfo, options: O): Promise<Array<PlannedItem<D>>>
  /**
   * Writes the item's data into `out` and resolves when it is complete. The core compresses it
   * (PlannedItem.compress), writes it under a temporary name and keeps it only if this resolves;
   * throw on any failure.
   */
  backup(ctx: RunContext, item: BackupItem<D>, out: Writable): Promise<void>
  /**
   * Puts a stored version back: to the item's source, or `options.to`. Refuses a non-empty
   * destination without `force`, with the same restart guarantees as backup. With `dryRun`,
   * returns what it would do and touches nothing. The core has checked the artifact's checksum
   * and, for tar archives, every entry (artifact.tar) before calling this.
   */
  restore?(ctx: RunContext, item: BackupItem<D>, artifact: StoredArtifact, options: RestoreOptions): Promise<RestoreReport>
  /**
   * Checks beyond the checksum and the gzip/zstd/tar structure that the core checks itself (a dump
   * without its trailer): reads the artifact (content() or edges()) and throws if it is not sound.
   */
  verify?(ctx: VerifyContext, artifact: StoredArtifact): Promise<void>
}

/** What a plugin's `backupbot:schemes` hook returns. */
export type SchemesHookResult = SchemeDefinition<any, any>[]
