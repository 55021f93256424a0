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
    docker: onlyThese<PlanContext['docker']>('docker', {serviceContainers: async () => []}),
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
  input?: Promise<Buffer>
}

/**
 * A run context whose exec() answers from `script(cmd, input)`, `input` being the whole standard
 * input as text (read first, as psql reads a script); records every call and log line.
 */
export function runContext(script: (cmd: string[], input?: string) => ScriptedExec, containers: ContainerRef[] = [{id: 'c1', name: 'p_db_1', running: true, service: 'db'}]) {
  const calls: ExecCall[] = []
  const logs: string[] = []
  const controller = new AbortController()
  const ctx: RunContext = {
    project: {name: 'p', directory: '/srv/p', configFiles: [], services: {db: service}, volumes: {}, warnings: []},
    log: {info: (m) => logs.push(`info: ${m}`), warn: (m) => logs.push(`warn: ${m}`), debug: (m) => logs.push(`debug: ${m}`)},
    signal: controller.signal,
    docker: onlyThese<RunContext['docker']>('docker', {
      serviceContainers: async () => containers,
      async exec(container, cmd, options) {
        const input = options?.stdin ? readBytes(options.stdin) : undefined
        // Awaited below; this keeps an interrupted read from also being an unhandled rejection.
        input?.catch(() => {})
        calls.push({container, cmd, options, input})
        return handle(script(cmd, input ? (await input).toString('utf8') : undefined))
      },
    }),
    archive: onlyThese<RunContext['archive']>('archive', {gzip: () => zlib.createGzip()}),
  }
  return {ctx, calls, logs, controller}
}

/**
 * The members backup_postgres uses; any other member of the (growing) context is a function
 * that fails the test, so the fake needs no change when the core adds operations.
 */
function onlyThese<T extends object>(what: string, members: Partial<T>): T {
  return new Proxy(members, {
    get: (target, name) =>
      name in target
        ? target[name as keyof typeof target]
        : async () => {
            throw new Error(`backup_postgres must not call ${what}.${String(name)}`)
          },
  }) as T
}

async function readBytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks)
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
