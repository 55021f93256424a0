// One database dump, streamed: pg_dump (or pg_dumpall) runs in the service's own running
// container (no downtime, nothing written inside it), its standard output goes straight into
// the artifact, through the core's gzip for plain SQL. A dump counts only when the tool exited
// 0 AND its output proves it is whole (see complete.ts).
import type {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import type {BackupItem, RunContext} from 'backupbot'

import {dumpCommand, dumpEnvironment, dumpTool} from './command.js'
import {CUSTOM_MAGIC, incompleteness, TRAILER_WINDOW} from './complete.js'
import {lastLines, runningContainer} from './container.js'
import type {DumpData} from './plan.js'
import {EdgeKeeper, MESSAGE_LIMIT, readAll} from './streams.js'

export async function dumpDatabase(ctx: RunContext, item: BackupItem<DumpData>, out: Writable): Promise<void> {
  const what = item.data.database === undefined ? 'all databases' : `database ${item.data.database}`
  const tool = dumpTool(item.data)
  const container = await runningContainer(ctx, item.service)
  const cmd = dumpCommand(item.data)
  ctx.log.debug(`${item.service}: running ${cmd.join(' ')} in ${container.name}`)
  const handle = await ctx.docker.exec(container.id, cmd, {env: dumpEnvironment(item.data)})
  const stderr = readAll(handle.stderr, MESSAGE_LIMIT)
  // Awaited below on every path that needs them; this keeps an early failure from also
  // surfacing as an unhandled rejection.
  stderr.catch(() => {})
  handle.exitCode.catch(() => {})

  const edges = new EdgeKeeper(CUSTOM_MAGIC.length, TRAILER_WINDOW)
  // A custom archive is compressed by pg_dump already; plain SQL is gzipped on every core.
  const stages = item.data.format === 'plain' ? [edges, ctx.archive.gzip()] : [edges]
  try {
    await pipeline([handle.stdout, ...stages, out], {signal: ctx.signal})
  } catch (error) {
    if (ctx.signal.aborted) throw error
    throw new Error(`${tool} output of ${what} could not be written: ${(error as Error).message}`)
  }

  const [code, messages] = await Promise.all([handle.exitCode, stderr])
  if (code !== 0) {
    // 126/127: the engine could not start the tool, and says why on standard output.
    const engineMessage = code === 126 || code === 127 ? lastLines(edges.text()) : ''
    throw new Error(`${tool} failed (exit code ${code}) dumping ${what} in ${container.name}: ${lastLines(messages) || engineMessage || 'no message'}`)
  }
  const why = incompleteness(tool, item.data.format, edges.start(), edges.text())
  if (why) throw new Error(`the dump of ${what} is incomplete: ${tool} exited 0 but ${why}`)
  // Warnings of a successful dump are worth seeing.
  for (const line of messages.split('\n').filter((l) => l.trim())) ctx.log.warn(`${item.service}: ${tool}: ${line.trim()}`)
}
