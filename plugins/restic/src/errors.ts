// restic's failures as backupbot reports them: what went wrong, in which repository, and what to
// do. `exitCode` follows the core's codes: 2 for what the user must fix before anything is
// touched (no repository, wrong password, no restic), 3 when the repository stays locked.

export class StoreError extends Error {
  constructor(
    message: string,
    readonly exitCode?: number,
    readonly suggestions: string[] = [],
  ) {
    super(message)
    this.name = 'StoreError'
  }
}

const PASSWORD_VARIABLES = 'RESTIC_PASSWORD_FILE, RESTIC_PASSWORD_COMMAND or RESTIC_PASSWORD'

/** The password must come from the environment: restic would otherwise read it from the data on its standard input. */
export function checkPasswordSource(env: NodeJS.ProcessEnv, shown: string): void {
  if (env.RESTIC_PASSWORD_FILE || env.RESTIC_PASSWORD_COMMAND || env.RESTIC_PASSWORD) return
  throw new StoreError(`no password for the restic repository ${shown}`, 2, [`set ${PASSWORD_VARIABLES} in backupbot's environment (never on its command line)`])
}

export function notInstalled(): StoreError {
  return new StoreError('restic is not installed (no `restic` on PATH)', 2, ['install it: apt-get install restic (0.14 or newer), or https://restic.net'])
}

/** Lock contention: worth waiting for, since another machine's backup or forget ends soon. */
export function isLocked(stderr: string): boolean {
  return /repository is already locked/i.test(stderr)
}

/** A failed restic run, classified from its standard error (restic 0.14's messages). */
export function resticFailure(command: string, code: number | null, stderr: string, shown: string): StoreError {
  const detail = lastLines(stderr)
  if (/wrong password or no key found/i.test(stderr)) {
    return new StoreError(`wrong password for the restic repository ${shown}`, 2, [`check ${PASSWORD_VARIABLES}`])
  }
  if (refused(stderr, shown)) {
    return new StoreError(`the restic repository ${shown} refused the credentials: ${detail}`, 2, [
      'check the user and password in its URL, or the backend\'s keys in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...)',
    ])
  }
  if (/Is there a repository at the following location\?/.test(stderr) && !unreachable(stderr, shown)) {
    return new StoreError(`there is no restic repository at ${shown}`, 2, [
      `create it once: restic init --repository-version 2 --repo ${quote(shown)} (with the password in ${PASSWORD_VARIABLES})`,
    ])
  }
  if (isLocked(stderr)) {
    return new StoreError(`the restic repository ${shown} stayed locked by another process: ${detail}`, 3, [
      'another machine may be running restic prune; if a restic process was killed, run `restic unlock` for that repository',
    ])
  }
  const how = code === null ? 'was killed' : `exited with ${code}`
  return new StoreError(`restic ${command} ${how} (repository ${shown})${detail ? `: ${detail}` : ''}`)
}

function unreachable(stderr: string, shown: string): boolean {
  return /connection refused|dial tcp|no such host|i\/o timeout|timeout|network is unreachable|unable to start the sftp session|ssh: |EOF/i.test(withoutLocation(stderr, shown))
}

/** The server answered but did not let restic in (restic 0.14 then also asks whether there is a repository). */
function refused(stderr: string, shown: string): boolean {
  return /unexpected HTTP response \(40[13]\)|Access Denied|Access Key Id you provided does not exist|signature we calculated does not match/i.test(withoutLocation(stderr, shown))
}

/** restic's standard error without the repository's own name, which it prints: `/home/geoffrey` holds an "eof". */
function withoutLocation(stderr: string, shown: string): string {
  return stderr.replaceAll(shown.replace(/^local:/, ''), '')
}

/** The last lines of restic's standard error, without its progress lines. */
function lastLines(stderr: string): string {
  return stderr
    .split('\n')
    .map((line) => line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trim())
    .filter((line) => line !== '' && !line.startsWith('{'))
    .slice(-4)
    .join('; ')
}

function quote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`
}
