import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {configFlag, targetFlag} from '../cli/flags.js'
import {renderVerify} from '../render/verify.js'
import {openStore} from '../run/open-store.js'
import type {VerifyResult} from '../run/result.js'
import {verifyBackups} from '../run/verify.js'

export default class Verify extends BaseCommand {
  static override summary = 'Check stored versions: checksums, archive structure and dump completeness.'
  static override description = `Reads every chosen version completely: its sha256 against the one recorded in manifest.json, the gzip stream to its end, every tar entry (refusing absolute paths, .. and writes through symlinks), and the scheme's own check (a database dump must end with its tool's trailer). A store with a check of its own (a restic repository: restic check) runs it once first; --read-data makes it read all the data it holds. Touches nothing and needs no compose project.

Exit codes: 0 every checked version is sound; 1 some version or the store's own check failed; 2 usage error.`
  static override examples = [
    {command: '<%= config.bin %> verify', description: 'The newest version of every item under ./backups.'},
    {command: '<%= config.bin %> verify db --all --json', description: 'Every version of one service, as JSON.'},
    {command: '<%= config.bin %> verify --version 3 --target /srv/backups', description: 'Version 3 of every item.'},
    {command: '<%= config.bin %> verify --target restic:/srv/restic --read-data', description: 'restic check --read-data on the repository, then the newest version of every item.'},
  ]
  static override args = {service: Args.string({description: 'Only this service.', ignoreStdin: true})}
  static override flags = {
    ...targetFlag,
    ...configFlag,
    version: Flags.integer({char: 'n', summary: 'Check this version (1 = newest).', default: 1, min: 0, exclusive: ['all']}),
    all: Flags.boolean({summary: 'Check every version.'}),
    'read-data': Flags.boolean({summary: "Have the store's own check read every byte it holds (restic check --read-data); only for a store with such a check."}),
  }

  async run(): Promise<VerifyResult> {
    const {args, flags} = await this.parse(Verify)
    const log = this.useLogFlags(flags)
    const result = await verifyBackups({
      store: openStore(await this.targetOf(flags), await this.storeAccess()),
      service: args.service,
      version: flags.all ? 'all' : flags.version,
      readData: flags['read-data'],
      registry: await this.schemes(),
      log,
    })
    this.print(renderVerify(result))
    return result
  }
}
