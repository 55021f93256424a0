// `backupbot/testing`: fake contexts for the unit tests of a scheme plugin, so that plugin
// authors do not write their own. The engine is faked; everything the core does on top of it
// (RunContext.commands, PlanContext.databases, compression) is the core's real code, so a test
// sees what a real run would do. Only for tests: a plugin imports it from a devDependency.
import {PassThrough, Readable} from 'node:stream'
import zlib from 'node:zlib'

import {resolveDatabases} from '../plan/database-options.js'
import {createCommandOps} from '../run/command-ops.js'
import type {
  ArchiveOps,
  ContainerOps,
  ContainerRef,
  DockerOps,
  ExecHandle,
  ExecOptions,
  ImageOps,
  Logger,
  Manifest,
  PlanContext,
  ProjectInfo,
  RunContext,
  ServiceInfo,
  StoredArtifact,
  TarSummary,
  VerifyContext,
  VolumeOps,
} from '../scheme.js'
import {readEdges} from '../system/streams.js'

export function fakeService(name: string, extra: Partial<ServiceInfo> = {}): ServiceInfo {
  return {name, environment: {}, mounts: [], ...extra}
}

export function fakeProject(services: ServiceInfo[] = [fakeService('db')], extra: Partial<ProjectInfo> = {}): ProjectInfo {
  return {name: 'p', directory: '/srv/p', services: Object.fromEntries(services.map((s) => [s.name, s])), ...extra}
}

/** A logger that records `info: ...`, `warn: ...` and `debug: ...` lines. */
export function recordingLogger(): Logger & {lines: string[]} {
  const lines: string[] = []
  return {lines, info: (m) => lines.push(`info: ${m}`), warn: (m) => lines.push(`warn: ${m}`), debug: (m) => lines.push(`debug: ${m}`)}
}

/** What a faked command prints and how it ends. */
export interface FakeExec {
  stdout?: string | Buffer | Readable
  stderr?: string
  exitCode?: number
}

/** An ExecHandle that plays `fake`: its output, then its exit code once both streams are read. */
export function execHandle(fake: FakeExec = {}): ExecHandle {
  const stdout = fake.stdout instanceof Readable ? fake.stdout : Readable.from(fake.stdout === undefined ? [] : [Buffer.from(fake.stdout)])
  const stderr = Readable.from(fake.stderr === undefined ? [] : [Buffer.from(fake.stderr)])
  const ended = Promise.all([new Promise((r) => stdout.once('close', r)), new Promise((r) => stderr.once('close', r))])
  return {stdout, stderr, exitCode: ended.then(() => fake.exitCode ?? 0)}
}

/** Overrides for a fake engine: any member left out throws `not faked: docker.<group>.<name>` when called. */
export interface FakeDockerOptions {
  containers?: Partial<ContainerOps>
  images?: Partial<ImageOps>
  volumes?: Partial<VolumeOps>
  exec?: DockerOps['exec']
}

export function fakeDocker(options: FakeDockerOptions = {}): DockerOps {
  return {
    containers: group('containers', options.containers, ['ofService', 'usingVolume', 'usingHostPath', 'withStopped']),
    images: group('images', options.images, ['ofService', 'hasTool']),
    volumes: group('volumes', {prepareRead: preparedFrom(options.volumes), ...options.volumes}, ['read', 'prepareRead', 'run', 'exists', 'create', 'isEmpty', 'empty', 'write']),
    exec: options.exec ?? notFaked('docker.exec'),
  }
}

/** A faked `volumes.read` also answers `prepareRead` (reading when `read()` is called), unless that is faked itself. */
function preparedFrom(volumes: Partial<VolumeOps> | undefined): VolumeOps['prepareRead'] | undefined {
  if (!volumes?.read) return undefined
  return async (volume, mountPoint, options) => ({read: () => volumes.read!(volume, mountPoint, options), remove: async () => {}})
}

function group<T extends object>(name: string, given: Partial<T> | undefined, members: Array<keyof T & string>): T {
  return Object.fromEntries(members.map((m) => [m, given?.[m] ?? notFaked(`docker.${name}.${m}`)])) as T
}

function notFaked(what: string) {
  return async (): Promise<never> => {
    throw new Error(`not faked: ${what} (give it to the fake context)`)
  }
}

/**
 * A `containers.withStopped` that runs the work and records `stop <running names>` before it and
 * `start` after it (also when it fails) into `events`, to check what a scheme does while stopped.
 */
export function recordStops(events: string[]): ContainerOps['withStopped'] {
  return async (containers, work) => {
    events.push(`stop ${containers.filter((c) => c.running).map((c) => c.name).join(',')}`)
    try {
      return await work()
    } finally {
      events.push('start')
    }
  }
}

export interface FakePlanOptions {
  project?: ProjectInfo
  /** Key references the fake resolves (`db.environment.MYSQL_PASSWORD`: value); another reference to a service of the project fails as a real unresolvable one does. */
  references?: Record<string, string>
  docker?: FakeDockerOptions
  log?: Logger
}

export function fakePlanContext(options: FakePlanOptions = {}) {
  const project = options.project ?? fakeProject()
  const references = options.references ?? {}
  const secrets: string[] = []
  const resolved: Array<[string, string]> = []
  const log = options.log ?? recordingLogger()
  const resolve = async (value: string, optionPath: string) => {
    resolved.push([value, optionPath])
    if (value in references) return references[value]!
    const [head, ...rest] = value.split('.')
    if (rest.length > 0 && project.services[head!]) throw new Error(`${optionPath}: the reference "${value}" cannot be resolved`)
    return value
  }
  const resolveSecret = async (value: string, optionPath: string) => {
    const secret = await resolve(value, optionPath)
    secrets.push(secret)
    return secret
  }
  const docker = fakeDocker(options.docker)
  const ctx: PlanContext = {
    project,
    log,
    resolve,
    resolveSecret,
    databases: (opts, rules) => resolveDatabases(opts, rules, resolve, resolveSecret),
    docker: {containers: docker.containers, images: docker.images},
  }
  return {ctx, secrets, resolved, log}
}

/** One call of the fake `docker.exec`. */
export interface ExecCall {
  container: string
  cmd: string[]
  options?: ExecOptions
  /** What the command read from its standard input, once it has ended. */
  input?: Promise<string>
}

export interface FakeRunOptions {
  project?: ProjectInfo
  /** The service containers `containers.ofService` returns (default: one running `p_db_1`). */
  containers?: ContainerRef[]
  /** Answers each exec'd command (default: exit 0, no output). Every call is recorded in `calls`. */
  exec?: (cmd: string[], container: string) => FakeExec
  /** Further engine members; `containers.withStopped` defaults to running the work. */
  docker?: FakeDockerOptions
  archive?: Partial<ArchiveOps>
  /** The scheme running the item (for messages). */
  scheme?: string
}

export function fakeRunContext(options: FakeRunOptions = {}) {
  const calls: ExecCall[] = []
  const log = recordingLogger()
  const controller = new AbortController()
  const containers = options.containers ?? [{id: 'c1', name: 'p_db_1', running: true, service: 'db'}]
  const answer = options.exec ?? (() => ({}))
  const docker = fakeDocker({
    ...options.docker,
    containers: {ofService: async () => containers, withStopped: async (_c, work) => work(), ...options.docker?.containers},
    async exec(container, cmd, execOptions) {
      // Like the engine: the command reads its whole input before it ends.
      const input = execOptions?.stdin ? readText(execOptions.stdin) : undefined
      calls.push({container, cmd, options: execOptions, input})
      const handle = execHandle(answer(cmd, container))
      return input ? {...handle, exitCode: Promise.all([input, handle.exitCode]).then(([, code]) => code)} : handle
    },
  })
  const archive: ArchiveOps = {
    packPath: options.archive?.packPath ?? (() => Readable.from([])),
    extract: options.archive?.extract ?? notFaked('archive.extract'),
  }
  const ctx: RunContext = {
    project: options.project ?? fakeProject(),
    log,
    signal: controller.signal,
    docker,
    commands: createCommandOps({docker, signal: controller.signal, log, scheme: options.scheme ?? 'the scheme'}),
    archive,
  }
  return {ctx, calls, log, abort: (reason?: Error) => controller.abort(reason)}
}

export function fakeVerifyContext(): {ctx: VerifyContext; log: Logger & {lines: string[]}} {
  const log = recordingLogger()
  return {ctx: {log}, log}
}

export interface FakeArtifactOptions {
  /** Default `/backups/db/folder/item/item.1/item.sql.gz`. */
  file?: string
  number?: number
  manifest?: Partial<Manifest>
  tar?: TarSummary
  /** content() hands the data out in chunks of this many bytes (default 16), as a large file arrives. */
  chunk?: number
}

/** A stored version whose content() is `content` (stored gzipped when `file` ends in .gz). */
export function fakeArtifact(content: string | Buffer, options: FakeArtifactOptions = {}): StoredArtifact {
  const data = Buffer.from(content)
  const file = options.file ?? '/backups/db/folder/item/item.1/item.sql.gz'
  const stored = file.endsWith('.gz') ? zlib.gzipSync(data) : data
  const size = options.chunk ?? 16
  const chunks = () => Array.from({length: Math.ceil(data.length / size)}, (_, i) => data.subarray(i * size, (i + 1) * size))
  const artifact: StoredArtifact = {
    file,
    number: options.number ?? 1,
    manifest: {
      format: 1,
      project: 'p',
      service: 'db',
      scheme: 'backup_test',
      item: 'item',
      source: 'test data',
      backupbot: '0.0.0',
      file: file.split('/').pop()!,
      bytes: stored.length,
      sha256: '',
      created: new Date(0).toISOString(),
      ...options.manifest,
    },
    ...(options.tar ? {tar: options.tar} : {}),
    open: () => Readable.from([stored]),
    content: () => Readable.from(chunks()),
    edges: (limits) => readEdges(artifact.content(), limits),
  }
  return artifact
}

/** A stream to hand to `backup` as `out`, and what was written into it. */
export function collect() {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  return {out, bytes: () => Buffer.concat(chunks), text: () => Buffer.concat(chunks).toString('utf8')}
}

async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}
