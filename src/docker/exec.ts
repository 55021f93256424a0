// `docker exec` through the API: no shell, secrets only in the exec's environment, output
// demultiplexed into two streams, the exit code from the engine once the output has ended.
import type {Readable} from 'node:stream'
import type Docker from 'dockerode'

import type {ExecHandle, ExecOptions, Logger} from '../scheme.js'
import {engineMessage} from './engine-errors.js'
import {demux} from './demux.js'

/** Runs `cmd` in a running container. The env values are never logged, only their names. */
export async function execIn(docker: Docker, container: string, cmd: string[], options: ExecOptions = {}, log?: Logger): Promise<ExecHandle> {
  if (cmd.length === 0) throw new Error(`exec in ${container}: empty command`)
  const env = Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${value}`)
  const names = Object.keys(options.env ?? {})
  log?.debug(`exec in ${container}: ${JSON.stringify(cmd)}${names.length > 0 ? ` (environment: ${names.join(', ')})` : ''}`)
  const stdin = options.stdin
  let exec: Docker.Exec
  let socket: NodeJS.ReadWriteStream & {destroy(error?: Error): void; end(): void}
  try {
    exec = await docker.getContainer(container).exec({
      Cmd: cmd,
      Env: env,
      User: options.user,
      WorkingDir: options.workdir,
      AttachStdin: Boolean(stdin),
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    })
    // hijack: the engine upgrades the connection to a raw duplex socket (stdin in, output out).
    socket = (await exec.start({hijack: true, stdin: Boolean(stdin)})) as typeof socket
  } catch (error) {
    throw new Error(`exec in ${container}: ${engineMessage(error)}`)
  }
  const {stdout, stderr, ended} = demux(docker, socket)
  if (stdin) feed(stdin, socket)
  const exitCode = ended.then(() => exitCodeOf(exec, container))
  exitCode.catch(() => {}) // a caller that gave up on the output need not await it
  return {stdout, stderr, exitCode}
}

/** Pipes the input into the socket, then half-closes it: the command sees end-of-file. */
function feed(stdin: Readable, socket: NodeJS.WritableStream & {destroy(error?: Error): void}): void {
  stdin.on('error', (error) => socket.destroy(error))
  stdin.pipe(socket) // pipe ends the socket's writable side when stdin ends
}

/**
 * The engine may report the exec as running for a moment after its output ended: poll briefly.
 * A command that could not be started ("executable file not found") ends with 126 or 127 and its
 * message on stdout, as the engine writes it.
 */
async function exitCodeOf(exec: Docker.Exec, container: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const info = await exec.inspect()
    if (!info.Running && typeof info.ExitCode === 'number') return info.ExitCode
    await new Promise((resolve) => setTimeout(resolve, Math.min(20 * (attempt + 1), 200)))
  }
  throw new Error(`exec in ${container}: the engine reported no exit code after the command's output ended`)
}
