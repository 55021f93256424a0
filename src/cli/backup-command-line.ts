// The commands that run `backup` later (daemon, schedule systemd, schedule cron) take backup's
// arguments verbatim after `--`, and run this same CLI with them.
import type {Config} from '@oclif/core'
import path from 'node:path'

/** The command's own arguments, and those after the first `--` (for backup). */
export function splitAtDashDash(argv: string[]): {own: string[]; backupArgs: string[]} {
  const at = argv.indexOf('--')
  return at < 0 ? {own: argv, backupArgs: []} : {own: argv.slice(0, at), backupArgs: argv.slice(at + 1)}
}

/** `backup` with these arguments as a full command line: this Node.js and this CLI's bin/run.js, both absolute. */
export function backupCommandLine(config: Config, backupArgs: string[]): string[] {
  return [process.execPath, path.join(config.root, 'bin', 'run.js'), 'backup', ...backupArgs]
}

/**
 * The scheme config file backup's arguments name (`--config F`, `--config=F`, `-c F`, `-cF`), or
 * undefined (backup then looks for the default names, as the caller should).
 */
export function configOption(backupArgs: string[]): string | undefined {
  let found: string | undefined
  for (let i = 0; i < backupArgs.length; i++) {
    const arg = backupArgs[i]!
    if (arg === '--') break
    if (arg === '--config' || arg === '-c') found = backupArgs[++i]
    else if (arg.startsWith('--config=')) found = arg.slice('--config='.length)
    else if (/^-c./.test(arg)) found = arg.slice(2)
  }
  return found
}

/** What the help of these commands says about the arguments after `--`. */
export const BACKUP_ARGS_HELP = "Everything after -- is passed to `backupbot backup` as it is (--config, -f, -p, --target, --keep ..., services), so check it with `backupbot backup ... --dry-run` first. It runs in the current directory, as there."
