import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {configFlag, projectFlags, targetFlag} from '../cli/flags.js'
import {renderRestore} from '../render/restore.js'
import {restore} from '../run/restore.js'
import type {RestoreResult} from '../run/result.js'

export default class Restore extends BaseCommand {
  static override summary = "Put a stored version back: a service's directories, volumes or databases."
  static override description = `Finds the item as a backup would (same compose project and scheme config), checks the chosen version's sha256 and every archive entry (no absolute paths, no .., no writing through symlinks, no device nodes unless --devices as root), and only then restores it:
  host directories: extracted into the original path (or --to), replacing it exactly with --force;
  named volumes: the containers using the volume are stopped (and always started again), the volume emptied with --force and filled through the engine's archive API (--to names another volume, created if missing);
  databases: the dump is fed into the running container's client (--to another database, created if missing).
A destination that holds data is refused without --force.

Exit codes: 0 restored; 1 some item failed or was refused (nothing of it was changed unless the error says otherwise); 2 usage or configuration error; 3 another run holds the target's lock; 130 interrupted.`
  static override examples = [
    {command: '<%= config.bin %> restore web site --dry-run', description: 'What restoring the newest version of web\'s site directory would do.'},
    {command: '<%= config.bin %> restore web uploads --version 2 --force', description: 'Replace the uploads volume with the second newest version.'},
    {command: '<%= config.bin %> restore db shop --to shop_copy', description: 'Restore a database dump into another database.'},
    {
      command: '<%= config.bin %> restore web site --target restic:sftp:backup@nas:/srv/restic --host old-web',
      description: 'On a new machine: restore the newest version that the machine old-web wrote into a shared restic repository.',
    },
  ]
  static override args = {
    service: Args.string({description: 'The service whose items to restore.', required: true, ignoreStdin: true}),
    item: Args.string({description: 'The item (as list-versions shows it, e.g. site, uploads, shop); default: all of the service\'s items.', ignoreStdin: true}),
  }
  static override flags = {
    compose: projectFlags.compose,
    'project-name': projectFlags['project-name'],
    'project-directory': projectFlags['project-directory'],
    'env-file': projectFlags['env-file'],
    profile: projectFlags.profile,
    ...targetFlag,
    ...configFlag,
    version: Flags.integer({char: 'n', summary: 'The version to restore (1 = newest).', default: 1, min: 0}),
    to: Flags.string({summary: 'Restore elsewhere: a host path, a volume name or a database name, depending on the item.'}),
    host: Flags.string({summary: 'Restore a version another machine wrote (as list-versions --all-hosts names it); only for a store that several share, such as restic:<repo>.'}),
    force: Flags.boolean({summary: 'Replace a destination that holds data (exactly: what the backup lacks is removed).'}),
    devices: Flags.boolean({summary: 'Allow device nodes in archives (only as root).'}),
    'dry-run': Flags.boolean({summary: 'Say what would be stopped, replaced and where; touch nothing.'}),
  }

  async run(): Promise<RestoreResult> {
    const {args, flags} = await this.parse(Restore)
    this.useLogFlags(flags)
    const planning = await this.planning(flags, [args.service])
    const request = {
      ...planning,
      service: args.service,
      item: args.item,
      version: flags.version,
      to: flags.to,
      force: flags.force,
      devices: flags.devices,
      dryRun: flags['dry-run'],
      target: await this.targetOf(flags, planning.config),
      host: flags.host,
    }
    const result = await this.interruptible(() => restore(request))
    this.print(renderRestore(result))
    return result
  }
}
