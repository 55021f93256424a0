// backup_exec: runs a command in the service's running container and keeps its standard output
// as the artifact, e.g. `redis-cli --rdb -` or `sqlite3 /data/app.db .dump`.
import type {SchemeDefinition} from 'backupbot'

export interface ExecOptions {
  /** The command and its arguments (no shell). */
  command: string[]
  /** The artifact's name inside the service's folder. */
  name: string
  /** Have backupbot compress the output (default true): stored as `<name>.out.gz`. */
  compress?: boolean
}

interface ItemData {
  command: string[]
}

export const execScheme: SchemeDefinition<ExecOptions, ItemData> = {
  type: 'backup_exec',
  apiVersion: 2,
  description: 'the standard output of a command run in the running container',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['command', 'name'],
    properties: {
      command: {type: 'array', minItems: 1, items: {type: 'string'}},
      name: {type: 'string', minLength: 1},
      compress: {type: 'boolean'},
    },
  },

  // Planning only reads: a problem found here stops the run before anything is touched.
  async plan(_ctx, _service, options) {
    return [
      {
        folder: 'exec',
        name: options.name,
        source: options.command.join(' '),
        // What backup writes; with compress the core gzips it and stores `.out.gz`.
        extension: '.out',
        compress: options.compress ?? true,
        data: {command: options.command},
      },
    ]
  },

  // Write the artifact into `out`; throw on any failure and the core keeps no version.
  async backup(ctx, item, out) {
    // A clear error when the service runs no container.
    const container = await ctx.commands.runningContainer(item.service)
    // Streams stdout into `out`, keeps the end of stderr, stops when backupbot is interrupted.
    const run = await ctx.commands.streamTo(out, container, item.data.command)
    if (run.code !== 0) throw new Error(`${item.data.command[0]} exited with ${run.code}: ${run.message || 'no message on stderr'}`)
  },
}
