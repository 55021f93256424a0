import {Flags} from '@oclif/core'

import {BACKUP_ARGS_HELP, backupCommandLine, splitAtDashDash} from '../../cli/backup-command-line.js'
import {BaseCommand} from '../../cli/base-command.js'
import {UsageError} from '../../errors.js'
import {cronToOnCalendar} from '../../schedule/cron-to-calendar.js'
import {systemdUnits, unitsText} from '../../schedule/systemd-units.js'
import {writeUnits} from '../../schedule/write-units.js'

export default class ScheduleSystemd extends BaseCommand {
  static override summary = 'Print a systemd service and timer that run the backup on a schedule.'
  static override description = `The service (Type=oneshot) runs \`backupbot backup\` with the arguments after -- in the current directory, through this Node.js and this CLI's absolute path; the timer starts it on OnCalendar= with Persistent=true (a run missed while the machine was off comes at the next boot). Both go to stdout, each under a "# /etc/systemd/system/NAME" line; with --unit-dir they are written there instead.

The schedule is --cron (with --timezone), else $settings.schedule of the config file backup's arguments name (--config, else backupbot.json/.yaml/.yml here), or --on-calendar. A cron expression is converted to OnCalendar= where systemd can say the same (lists, ranges, steps, names); otherwise give --on-calendar in systemd's syntax (see systemd.time(7), and check it with systemd-analyze calendar).

${BACKUP_ARGS_HELP}`
  static override usage = 'schedule systemd [--cron EXPR [--timezone ZONE] | --on-calendar SPEC] [--randomized-delay SECONDS] [--name NAME] [--unit-dir DIR] [-- BACKUP-ARGUMENTS...]'
  static override examples = [
    {command: '<%= config.bin %> schedule systemd --cron "0 3 * * *" -- --config backupbot.yaml --keep-daily 7', description: 'Print both units for a run at 03:00 every day.'},
    {
      command: 'sudo <%= config.bin %> schedule systemd --on-calendar "Mon..Fri 02:30" --unit-dir /etc/systemd/system -- --target /srv/backups',
      description: 'Write the units and print the systemctl line that enables the timer.',
    },
  ]
  static override enableJsonFlag = false
  static override flags = {
    cron: Flags.string({summary: 'When to run, as a cron expression (converted to OnCalendar=). Default: $settings.schedule.cron of the config file backup reads.', exclusive: ['on-calendar']}),
    timezone: Flags.string({summary: 'The IANA time zone of the cron expression, e.g. Europe/Berlin (default: $settings.schedule.timezone, else the machine\'s).', exclusive: ['on-calendar']}),
    'on-calendar': Flags.string({summary: 'When to run, in systemd\'s OnCalendar= syntax, e.g. "*-*-* 03:00:00".', exclusive: ['cron']}),
    'randomized-delay': Flags.integer({summary: 'Start each run up to this many seconds late (RandomizedDelaySec=), to spread many machines.', min: 1}),
    name: Flags.string({summary: 'The units\' name: NAME.service and NAME.timer (one per project on a host).', default: 'backupbot'}),
    'unit-dir': Flags.string({summary: 'Write the two files into this folder (e.g. /etc/systemd/system) instead of printing them.'}),
  }

  async run(): Promise<void> {
    const {own, backupArgs} = splitAtDashDash(this.argv)
    const {flags} = await this.parse(ScheduleSystemd, own)
    this.useLogFlags(flags)
    if (!/^[\w:.@-]+$/.test(flags.name)) throw new UsageError(`--name "${flags.name}" is not a systemd unit name`, ['letters, digits and : _ . @ - only, e.g. backupbot-nextcloud'])
    const schedule = flags['on-calendar'] === undefined ? await this.scheduleOf(flags, backupArgs) : undefined
    const onCalendar = flags['on-calendar'] ?? cronToOnCalendar(schedule!.cron, schedule!.timezone)
    const units = systemdUnits({
      name: flags.name,
      command: backupCommandLine(this.config, backupArgs),
      workingDirectory: process.cwd(),
      onCalendar,
      scheduleText: schedule?.cron ?? onCalendar,
      randomizedDelaySeconds: flags['randomized-delay'],
    })
    if (!flags['unit-dir']) {
      this.print(unitsText(units).trimEnd())
      return
    }
    const written = await writeUnits(flags['unit-dir'], units)
    this.logger.info(`wrote ${written.join(' and ')}; enable the timer with:\n  systemctl daemon-reload && systemctl enable --now ${flags.name}.timer`)
  }
}
