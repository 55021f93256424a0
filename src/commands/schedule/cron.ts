import {Flags} from '@oclif/core'

import {BACKUP_ARGS_HELP, backupCommandLine, splitAtDashDash} from '../../cli/backup-command-line.js'
import {BaseCommand} from '../../cli/base-command.js'
import {crontabLine} from '../../schedule/crontab-line.js'

export default class ScheduleCron extends BaseCommand {
  static override summary = 'Print a crontab line that runs the backup on a schedule.'
  static override description = `The line changes into the current directory and runs \`backupbot backup\` with the arguments after -- through this Node.js and this CLI's absolute path, appending its output to --log-file. Add it with crontab -e (root's crontab, or a user in the docker group). Two runs never overlap: the second finds the target locked and exits with 3, touching nothing.

${BACKUP_ARGS_HELP}`
  static override usage = 'schedule cron [--cron EXPR] [--log-file PATH] [-- BACKUP-ARGUMENTS...]'
  static override examples = [
    {command: '<%= config.bin %> schedule cron --cron "0 3 * * *" -- --config backupbot.yaml --keep-daily 7', description: 'A line for 03:00 every day.'},
  ]
  static override enableJsonFlag = false
  static override flags = {
    cron: Flags.string({summary: 'When to run: five cron fields (crontab has no seconds), in the machine\'s time zone. Default: $settings.schedule.cron of the config file backup reads.'}),
    'log-file': Flags.string({summary: 'Where each run\'s output is appended.', default: '/var/log/backupbot.log'}),
  }

  async run(): Promise<void> {
    const {own, backupArgs} = splitAtDashDash(this.argv)
    const {flags} = await this.parse(ScheduleCron, own)
    this.useLogFlags(flags)
    const schedule = await this.scheduleOf(flags, backupArgs)
    if (schedule.timezone !== undefined) {
      this.logger.warn(`crontab runs in the machine's time zone: $settings.schedule.timezone ${schedule.timezone} does not apply to this line (backupbot daemon and schedule systemd honour it)`)
    }
    this.print(
      crontabLine({cron: schedule.cron, command: backupCommandLine(this.config, backupArgs), workingDirectory: process.cwd(), logFile: flags['log-file']}).trimEnd(),
    )
  }
}
