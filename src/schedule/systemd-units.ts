// The systemd service + timer pair that runs one backup on a schedule: the service is a oneshot
// running this CLI's `backup` in the project's folder, the timer starts it on OnCalendar=.
export interface UnitsRequest {
  /** The unit name without suffix (backupbot.service, backupbot.timer). */
  name: string
  /** The full command line: node, this CLI's bin, backup and its arguments. */
  command: string[]
  /** Where backup runs: its compose file and ./backups are found from there. */
  workingDirectory: string
  onCalendar: string
  /** What the schedule was given as, for the timer's description. */
  scheduleText: string
  /** RandomizedDelaySec=: spreads the runs of many machines. */
  randomizedDelaySeconds?: number
}

export interface UnitFile {
  /** backupbot.service */
  file: string
  text: string
}

export function systemdUnits(request: UnitsRequest): [UnitFile, UnitFile] {
  const service = `${request.name}.service`
  const timer = `${request.name}.timer`
  return [
    {
      file: service,
      text: lines(
        '[Unit]',
        `Description=backupbot: back up the compose project in ${escapeSpecifiers(request.workingDirectory)}`,
        'Wants=network-online.target',
        'After=network-online.target docker.service',
        '',
        '[Service]',
        'Type=oneshot',
        `WorkingDirectory=${escapeSpecifiers(request.workingDirectory)}`,
        `ExecStart=${request.command.map(execArgument).join(' ')}`,
        // SIGTERM to backupbot only: it stops its own helpers and starts the containers it
        // stopped again, which may take a while; the rest of the group is killed after that.
        'KillMode=mixed',
        'TimeoutStopSec=15min',
      ),
    },
    {
      file: timer,
      text: lines(
        '[Unit]',
        `Description=Run ${service} on a schedule (${request.scheduleText})`,
        '',
        '[Timer]',
        `OnCalendar=${request.onCalendar}`,
        // A run missed while the machine was off is made up for at the next boot.
        'Persistent=true',
        ...(request.randomizedDelaySeconds ? [`RandomizedDelaySec=${request.randomizedDelaySeconds}`] : []),
        '',
        '[Install]',
        'WantedBy=timers.target',
      ),
    },
  ]
}

/** Both units on stdout, each under a comment naming where it belongs, so the text can be split. */
export function unitsText(units: UnitFile[], unitDir = '/etc/systemd/system'): string {
  return units.map((unit) => `# ${unitDir}/${unit.file}\n${unit.text}`).join('\n')
}

function lines(...list: string[]): string {
  return `${list.join('\n')}\n`
}

/** systemd expands %x (specifiers) in most settings: a literal % is written doubled. */
function escapeSpecifiers(text: string): string {
  return text.replaceAll('%', '%%')
}

/** One ExecStart= word: % and $ (ExecStart= also expands $VAR) doubled, quoted unless plain. */
export function execArgument(word: string): string {
  const escaped = escapeSpecifiers(word).replaceAll('$', '$$$$')
  if (/^[\w@%+=:,./-]+$/.test(word)) return escaped
  return `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
}
