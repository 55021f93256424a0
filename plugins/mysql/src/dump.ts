// One database dump, streamed: the tool runs in the service's own running container (no
// downtime, nothing written inside it), its standard output goes through the core's gzip
// straight into the artifact. A dump counts as complete only when the tool exited 0 AND its
// output ends with the "-- Dump completed" trailer, which the tools write last.
import path from 'node:path'
import type {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import type {BackupItem, ContainerRef, RunContext} from 'backupbot'

import {dumpCommand, dumpEnvironment, findDumpTool} from './command.js'
import type {DumpData} from './plan.js'
import {readAll, TailKeeper} from './streams.js'

/** Enough for the trailer line plus trailing whitespace. */
const TRAILER_WINDOW = 512
/** The server's message is at the end; earlier warnings beyond this are dropped. */
const STDERR_LIMIT = 64 * 1024
const TRAILER = /(?:^|\n)-- Dump completed(?: on [^\n]*)?\s*$/

export async function dumpDatabase(ctx: RunContext, item: BackupItem<DumpData>, out: Writable): Promise<void> {
  const what = item.data.database === undefined ? 'all databases' : `database ${item.data.database}`
  const container = await runningContainer(ctx, item.service)
  const tool = await findDumpTool(ctx.docker, container.id)
  const toolName = path.posix.basename(tool)
  const cmd = dumpCommand(tool, item.data)
  ctx.log.debug(`${item.service}: running ${cmd.join(' ')} in ${container.name}`)
  const handle = await ctx.docker.exec(container.id, cmd, {env: dumpEnvironment(item.data)})
  const stderr = readAll(handle.stderr, STDERR_LIMIT)
  // Awaited below on every path that needs them; this keeps an early failure from also
  // surfacing as an unhandled rejection.
  stderr.catch(() => {})
  handle.exitCode.catch(() => {})

  const tail = new TailKeeper(TRAILER_WINDOW)
  try {
    await pipeline(handle.stdout, tail, ctx.archive.gzip(), out, {signal: ctx.signal})
  } catch (error) {
    if (ctx.signal.aborted) throw error
    throw new Error(`${toolName} output of ${what} could not be written: ${(error as Error).message}`)
  }

  const [code, messages] = await Promise.all([handle.exitCode, stderr])
  if (code !== 0) {
    throw new Error(`${toolName} failed (exit code ${code}) dumping ${what} in ${container.name}: ${lastLines(messages) || 'no message'}`)
  }
  if (!TRAILER.test(tail.text())) {
    throw new Error(
      `the dump of ${what} is incomplete: ${toolName} exited 0 but its output does not end with the "-- Dump completed" trailer, ` +
        'so it was cut short (options that drop the trailer, like --skip-comments or --compact, are refused; check the container\'s my.cnf too)',
    )
  }
  // Warnings of a successful dump (e.g. a skipped table) are worth seeing.
  for (const line of messages.split('\n').filter((l) => l.trim())) ctx.log.warn(`${item.service}: ${toolName}: ${line.trim()}`)
}

async function runningContainer(ctx: RunContext, service: string): Promise<ContainerRef> {
  const running = (await ctx.docker.serviceContainers(service)).filter((c) => c.running)
  if (running.length === 0) {
    throw new Error(`service ${service} has no running container: backup_mysql dumps through the running database server, start it first (docker compose up -d ${service})`)
  }
  if (running.length > 1) ctx.log.info(`${service}: ${running.length} containers are running; dumping from ${running[0]!.name}`)
  return running[0]!
}

/** The end of the tool's messages (the server's error is the last line), on one line. */
function lastLines(text: string, count = 5): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-count)
    .join(' | ')
}
