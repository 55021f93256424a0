// backup_exec: runs a command in the service's running container and keeps its standard output
// as the artifact, e.g. `redis-cli --rdb -` or `sqlite3 /data/app.db .dump`.
import {pipeline} from 'node:stream/promises'

import type {SchemeDefinition} from 'backupbot'

export interface ExecOptions {
  /** The command and its arguments (no shell). */
  command: string[]
  /** The artifact's name inside the service's folder. */
  name: string
  /** Compress the output with gzip (default true). */
  gzip?: boolean
}

interface ItemData {
  command: string[]
  gzip: boolean
}

export const execScheme: SchemeDefinition<ExecOptions, ItemData> = {
  type: 'backup_exec',
  apiVersion: 1,
  description: 'the standard output of a command run in the running container',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['command', 'name'],
    properties: {
      command: {type: 'array', minItems: 1, items: {type: 'string'}},
      name: {type: 'string', minLength: 1},
      gzip: {type: 'boolean'},
    },
  },

  // Planning only reads: a problem found here stops the run before anything is touched.
  async plan(_ctx, _service, options) {
    const gzip = options.gzip ?? true
    return [{folder: 'exec', name: options.name, source: options.command.join(' '), extension: gzip ? '.out.gz' : '.out', data: {command: options.command, gzip}}]
  },

  // Write the artifact into `out`; throw on any failure and the core keeps no version.
  async backup(ctx, item, out) {
    const [container] = await ctx.docker.serviceContainers(item.service)
    if (!container) throw new Error(`service ${item.service} has no running container`)
    const run = await ctx.docker.exec(container.id, item.data.command)
    const errors: Buffer[] = []
    run.stderr.on('data', (chunk: Buffer) => errors.push(chunk))
    if (item.data.gzip) await pipeline(run.stdout, ctx.archive.gzip(), out, {signal: ctx.signal})
    else await pipeline(run.stdout, out, {signal: ctx.signal})
    const code = await run.exitCode
    if (code !== 0) throw new Error(`${item.data.command[0]} exited with ${code}: ${Buffer.concat(errors).toString().trim()}`)
  },
}
