import {Flags} from '@oclif/core'

import {BACKUP_ARGS_HELP, backupCommandLine, splitAtDashDash} from '../cli/backup-command-line.js'
import {BaseCommand} from '../cli/base-command.js'
import {runDaemon} from '../daemon/daemon.js'

export default class Daemon extends BaseCommand {
  static override summary = 'Run the backup on a cron schedule until stopped.'
  static override description = `Stays in the foreground (for a container, or a systemd service of Type=simple) and starts \`backupbot backup\` with the arguments after -- on the schedule. Each run is a child process whose output goes to this process's stderr; a run that fails is logged with its exit code and the next one still comes. One run at a time: a tick while a run is still going is skipped with a warning, and so is a run that finds another process holding the target's lock (exit 3).

At the start the arguments are checked with \`backup --dry-run\`: a usage or config error (exit 2) stops the daemon at once; a bad --cron or --timezone does too.

SIGTERM or SIGINT stops the schedule; a run that is going gets SIGTERM (it starts every container it stopped again and keeps no partial version) and the daemon waits for it to end, however long that takes, then exits with 0. Give it the time: e.g. stop_grace_period: 10m in a compose file.

${BACKUP_ARGS_HELP}`
  static override usage = 'daemon [--cron EXPR] [--timezone ZONE] [-q | -v] [-- BACKUP-ARGUMENTS...]'
  static override examples = [
    {command: '<%= config.bin %> daemon --cron "0 3 * * *" -- --config backupbot.yaml --keep-daily 7', description: 'Back up every night at 03:00 (the machine\'s time zone), keeping a week of versions.'},
    {command: '<%= config.bin %> daemon --cron "30 2 * * 1-5" --timezone Europe/Berlin -- --target /srv/backups', description: 'At 02:30 Berlin time on working days.'},
  ]
  // No --json: the daemon prints no result, only its log.
  static override enableJsonFlag = false
  static override flags = {
    cron: Flags.string({summary: 'When to run: a cron expression, five fields ("0 3 * * *") or six with seconds first (default: $settings.schedule.cron of the config file backup reads).'}),
    timezone: Flags.string({summary: 'The IANA time zone the cron expression is read in, e.g. Europe/Berlin (default: the machine\'s).'}),
  }

  async run(): Promise<void> {
    const {own, backupArgs} = splitAtDashDash(this.argv)
    const {flags} = await this.parse(Daemon, own)
    const log = this.useLogFlags(flags)
    await runDaemon({
      schedule: await this.scheduleOf(flags, backupArgs),
      backup: backupCommandLine(this.config, backupArgs),
      log: {...log, error: (message) => process.stderr.write(`error: ${this.masker.mask(message)}\n`)},
      relay: (line) => process.stderr.write(`${line}\n`),
    })
  }
}
