// Fake contexts for the plugin's unit tests: no engine, no core.
import {PassThrough, Readable} from 'node:stream'
import zlib from 'node:zlib'

import type {ContainerRef, ExecHandle, ExecOptions, PlanContext, RunContext, ServiceModel} from 'backupbot'

export const service: ServiceModel = {name: 'db', environment: {}, definition: {}, mounts: []}

/** A plan context whose resolve() knows a few `db.environment.*` references. */
export function planContext(references: Record<string, string> = {}) {
  const secrets: string[] = []
  const resolved: Array<[string, string]> = []
  const ctx: PlanContext = {
    project: {name: 'p', directory: '/srv/p', configFiles: [], services: {db: service}, volumes: {}, warnings: []},
    log: {info() {}, warn() {}, debug() {}},
    async resolve(value, optionPath) {
      resolved.push([value, optionPath])
      if (value.startsWith('db.')) {
        if (!(value in references)) throw new Error(`the reference "${value}" cannot be resolved`)
        return references[value]!
      }
      return value
    },
    secret: (value) => secrets.push(value),
    docker: {serviceContainers: async () => [], volumeUsers: async () => [], hostPathUsers: async () => [], serviceImage: async () => undefined},
  }
  return {ctx, secrets, resolved}
}

export interface ScriptedExec {
  stdout?: string | Buffer | Readable
  stderr?: string
  exitCode?: number
}

export interface ExecCall {
  container: string
  cmd: string[]
  options?: ExecOptions
  /** What the command read from its standard input, once it has ended. */
  input?: Promise<string>
}

/** A run context whose exec() answers from `script(cmd)`; records every call and log line. */
export function runContext(script: (cmd: string[]) => ScriptedExec, containers: ContainerRef[] = [{id: 'c1', name: 'p_db_1', running: true, service: 'db'}]) {
  const calls: ExecCall[] = []
  const logs: string[] = []
  const controller = new AbortController()
  const ctx: RunContext = {
    project: {name: 'p', directory: '/srv/p', configFiles: [], services: {db: service}, volumes: {}, warnings: []},
    log: {info: (m) => logs.push(`info: ${m}`), warn: (m) => logs.push(`warn: ${m}`), debug: (m) => logs.push(`debug: ${m}`)},
    signal: controller.signal,
    docker: {
      serviceContainers: async () => containers,
      async exec(container, cmd, options) {
        // Like the engine: the command reads its whole input before it ends.
        const input = options?.stdin ? readText(options.stdin) : undefined
        calls.push({container, cmd, options, input})
        const h = handle(script(cmd))
        return input ? {...h, exitCode: Promise.all([input, h.exitCode]).then(([, code]) => code)} : h
      },
      volumeUsers: async () => [],
      withStopped: async (_c, work) => work(),
      readVolume: async () => Readable.from([]),
      runWithVolume: async () => handle({}),
      serviceImage: async () => undefined,
      imageHasTool: async () => false,
      hostPathUsers: async () => [],
      volumeExists: async () => false,
      createVolume: unused('createVolume'),
      volumeIsEmpty: async () => true,
      emptyVolume: unused('emptyVolume'),
      writeVolume: unused('writeVolume'),
    },
    archive: {packPath: () => Readable.from([]), gzip: () => zlib.createGzip(), extract: unused('extract')},
  }
  return {ctx, calls, logs, controller}
}

/** backup_mysql never touches volumes or host paths: a call fails the test. */
function unused(name: string) {
  return async (): Promise<never> => {
    throw new Error(`backup_mysql must not call ${name}`)
  }
}

async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

export function handle(s: ScriptedExec): ExecHandle {
  const stdout = s.stdout instanceof Readable ? s.stdout : Readable.from(s.stdout === undefined ? [] : [Buffer.from(s.stdout)])
  const stderr = Readable.from(s.stderr === undefined ? [] : [Buffer.from(s.stderr)])
  const ended = Promise.all([new Promise((r) => stdout.once('close', r)), new Promise((r) => stderr.once('close', r))])
  return {stdout, stderr, exitCode: ended.then(() => s.exitCode ?? 0)}
}

/** Collects what a scheme writes into `out`. */
export function sink() {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  return {out, bytes: () => Buffer.concat(chunks), text: () => zlib.gunzipSync(Buffer.concat(chunks)).toString('utf8')}
}
