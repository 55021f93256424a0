// A crontab line that runs one backup: cron has no working directory or log of its own, so the
// line changes into the project's folder and appends the run's output to a log file.
import {UsageError} from '../errors.js'

export interface CrontabRequest {
  cron: string
  command: string[]
  workingDirectory: string
  logFile: string
}

export function crontabLine(request: CrontabRequest): string {
  if (!request.cron.trim().startsWith('@') && request.cron.trim().split(/\s+/).length !== 5) {
    throw new UsageError(`crontab takes five fields (minute hour day-of-month month day-of-week), not "${request.cron}"`, [
      'seconds need `backupbot daemon`, or a systemd timer (backupbot schedule systemd)',
    ])
  }
  const command = [`cd ${shellWord(request.workingDirectory)}`, '&&', ...request.command.map(shellWord), '>>', shellWord(request.logFile), '2>&1'].join(' ')
  // A bare % in a crontab command is a newline (the rest is standard input): escaped.
  return `${request.cron.trim()} ${command.replaceAll('%', '\\%')}\n`
}

/** A word for /bin/sh: single-quoted unless plain. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`
}
