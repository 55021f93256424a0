// RunContext.commands: running a scheme's commands in a service's running container, written
// once for every scheme. Bounded memory (only the edges of the output are kept), wired to the
// interrupt signal (a command's input is destroyed, an artifact stream is stopped), and
// secrets only ever in the command's environment.
import path from 'node:path'
import type {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import {errorMessage} from '../errors.js'
import type {CommandOps, CommandResult, DockerOps, ExecHandle, Logger, StreamResult} from '../scheme.js'
import {EdgeKeeper, lastLines, MESSAGE_LIMIT, readLines, readTail} from '../system/streams.js'

export interface CommandOpsOptions {
  docker: Pick<DockerOps, 'containers' | 'exec'>
  signal: AbortSignal
  log: Logger
  /** The scheme whose item runs the commands, for messages. */
  scheme: string
}

/** The tail kept by default: enough for a trailer, or the engine's message when a program is missing. */
const DEFAULT_TAIL = 4096

export function createCommandOps({docker, signal, log, scheme}: CommandOpsOptions): CommandOps {
  const ops: CommandOps = {
    async runningContainer(service) {
      const running = (await docker.containers.ofService(service)).filter((c) => c.running)
      const [first] = running
      if (!first) {
        throw new Error(`service ${service} has no running container: ${scheme} works through the service's running container, start it first (docker compose up -d ${service})`)
      }
      if (running.length > 1) log.info(`${service}: ${running.length} containers are running; using ${first.name}`)
      return first
    },

    async run(container, cmd, options = {}) {
      const {input} = options
      const doing = `${options.doing ?? program(cmd)} in ${container.name}`
      // The input's errors reach the command through the exec's connection; one that comes
      // before the exec listens (an interrupt while it starts) must not crash the process.
      input?.on('error', () => {})
      let handle: ExecHandle | undefined
      const onAbort = () => {
        input?.destroy(abortReason(signal))
        // Without input, ending the output is what stops waiting for the command.
        handle?.stdout.destroy()
      }
      signal.addEventListener('abort', onAbort, {once: true})
      try {
        signal.throwIfAborted()
        handle = await docker.exec(container.id, cmd, {env: options.env, stdin: input})
        const keep = options.keep ?? MESSAGE_LIMIT
        try {
          if (signal.aborted) onAbort()
          const stderr = options.onStderrLine ? readLines(handle.stderr, options.onStderrLine, keep) : readTail(handle.stderr, keep)
          const [stdout, errors, code] = await Promise.all([readTail(handle.stdout, keep), stderr, handle.exitCode])
          signal.throwIfAborted()
          return result(code, stdout, errors)
        } catch (error) {
          const why = signal.aborted ? 'was interrupted' : `broke off (${errorMessage(error)})`
          throw new Error(`${doing} ${why}`, {cause: error})
        }
      } finally {
        signal.removeEventListener('abort', onAbort)
        input?.destroy()
      }
    },

    async streamTo(out, container, cmd, options = {}) {
      signal.throwIfAborted()
      const handle = await docker.exec(container.id, cmd, {env: options.env})
      return saveOutput(handle, out, options, `${program(cmd)} output`)
    },

    save: (handle, out, options = {}) => saveOutput(handle, out, options, 'the output'),
  }

  async function saveOutput(handle: ExecHandle, out: Writable, options: {head?: number; tail?: number}, what: string): Promise<StreamResult> {
    const stderr = readTail(handle.stderr)
    // Awaited below on every path that needs them; this keeps an early failure from also
    // surfacing as an unhandled rejection.
    stderr.catch(() => {})
    handle.exitCode.catch(() => {})
    const keeper = new EdgeKeeper(options.head ?? 0, options.tail ?? DEFAULT_TAIL)
    try {
      await pipeline(handle.stdout, keeper, out, {signal})
    } catch (error) {
      if (signal.aborted) throw error
      throw new Error(`${what} could not be written: ${errorMessage(error)}`, {cause: error})
    }
    const [code, messages] = await Promise.all([handle.exitCode, stderr])
    const {head, tail} = keeper.edges
    return {code, head, tail, stderr: messages, message: result(code, tail.toString('utf8'), messages).message}
  }

  return ops
}

function result(code: number, stdout: string, stderr: string): CommandResult {
  // 126/127: the engine could not start the program, and says why on standard output.
  const engine = code === 126 || code === 127 ? lastLines(stdout) : ''
  return {code, stdout, stderr, message: lastLines(stderr) || engine}
}

function program(cmd: string[]): string {
  return path.posix.basename(cmd[0] ?? 'command')
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('interrupted')
}
