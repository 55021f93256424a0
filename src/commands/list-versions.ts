import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {configFlag, targetFlag} from '../cli/flags.js'
import {renderListing} from '../render/list-versions.js'
import {listBackups} from '../run/list-versions.js'

export default class ListVersions extends BaseCommand {
  static override summary = 'List every backed-up item with its versions: number, creation time, size and checksum.'
  static override examples = [
    {command: '<%= config.bin %> list-versions', description: "Everything in the settings file's first target (backupbot.json/.yaml here), else under ./backups."},
    {command: '<%= config.bin %> list-versions db --target /srv/backups --json', description: 'One service, as JSON.'},
    {command: '<%= config.bin %> list-versions --target restic:/srv/restic --all-hosts', description: "Every machine's items in a restic repository that several share."},
  ]
  static override args = {service: Args.string({description: 'Only this service.', ignoreStdin: true})}
  static override flags = {
    ...targetFlag,
    ...configFlag,
    'all-hosts': Flags.boolean({summary: "Every machine's items, not only this one's (a store that several share, such as restic:<repo>)."}),
  }

  async run() {
    const {args, flags} = await this.parse(ListVersions)
    this.useLogFlags(flags)
    const result = await listBackups({...(await this.storeAccess()), target: await this.targetOf(flags), service: args.service, allHosts: flags['all-hosts']})
    this.print(renderListing(result.items, {allHosts: flags['all-hosts']}))
    return result
  }
}
