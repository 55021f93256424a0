import {BaseCommand} from '../cli/base-command.js'
import {renderRecovery} from '../render/recover.js'
import {recover, type RecoveryResult} from '../run/recover.js'

export default class Recover extends BaseCommand {
  static override summary = 'Start again the containers that a killed backupbot run left stopped.'
  static override description = `Before stopping a container, backupbot records it in its restart journal (BACKUPBOT_DATA_DIR/journal) and removes the record once the container runs again. A run killed in between (SIGKILL, power loss) leaves the record; this command starts every such container on the current Docker engine. backup does the same before anything else.

Records of a backupbot run that is still running, of another machine or of another Docker engine (DOCKER_HOST) are left alone. A record whose container no longer exists is dropped with a warning.

Exit codes: 0 every recorded container runs again (or there was none); 1 some could not be started (their records stay, run again later).`
  static override examples = [
    {command: '<%= config.bin %> recover', description: 'Start what a killed run left stopped.'},
    {command: '<%= config.bin %> recover --json', description: 'The same, with {ok, started, failed, skipped, gone} on stdout.'},
  ]

  async run(): Promise<RecoveryResult> {
    const {flags} = await this.parse(Recover)
    const log = this.useLogFlags(flags)
    const result = await recover({journalDir: this.journalDir(), log})
    this.print(renderRecovery(result))
    return result
  }
}
