// One database dump, streamed: the tool runs in the service's own running container (no
// downtime, nothing written inside it), its standard output goes through the core's gzip
// straight into the artifact. A dump counts as complete only when the tool exited 0 AND its
// output ends with the "-- Dump completed" trailer, which the tools write last.
import path from 'node:path'
import type {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import type {BackupItem, RunContext} from 'backupbot'

import {dumpCommand, dumpEnvironment, findDumpTool} from './command.js'
import {lastLines, runningContainer} from './container.js'
import type {DumpData} from './plan.js'
import {MESSAGE_LIMIT, readAll, TailKeeper} from './streams.js'
import {endsWithTrailer, TRAILER_WINDOW} from './trailer.js'


export async function dumpDatabase(ctx: RunContext, item: BackupItem<DumpData>, out: Writable): Promise<void> {
  const what = item.data.database === undefined ? 'all databases' : `database ${item.data.database}`
  const container = await runningContainer(ctx, item.service, 'dumps')
  const tool = await findDumpTool(ctx.docker, container.id)
  const toolName = path.posix.basename(tool)
  const cmd = dumpCommand(tool, item.data)
  ctx.log.debug(`${item.service}: running ${cmd.join(' ')} in ${container.name}`)
  const handle = await ctx.docker.exec(container.id, cmd, {env: dumpEnvironment(item.data)})
  const stderr = readAll(handle.stderr, MESSAGE_LIMIT)
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
  if (!endsWithTrailer(tail.text())) {
    throw new Error(
      `the dump of ${what} is incomplete: ${toolName} exited 0 but its output does not end with the "-- Dump completed" trailer, ` +
        'so it was cut short (options that drop the trailer, like --skip-comments or --compact, are refused; check the container\'s my.cnf too)',
    )
  }
  // Warnings of a successful dump (e.g. a skipped table) are worth seeing.
  for (const line of messages.split('\n').filter((l) => l.trim())) ctx.log.warn(`${item.service}: ${toolName}: ${line.trim()}`)
}
