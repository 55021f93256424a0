// Flags shared by the commands that read compose projects or the backup tree.
import {Flags} from '@oclif/core'

import {DEFAULT_TARGET, definedOnly} from '../config/settings/resolve.js'
import type {RetentionPolicy} from '../target/retention.js'

export const projectFlags = {
  compose: Flags.string({
    char: 'f',
    summary: 'Compose file; repeat to merge several, later files override earlier ones (as docker compose -f a -f b).',
    description:
      'Default: the files in COMPOSE_FILE (separated by COMPOSE_PATH_SEPARATOR, default :), else compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml in the current directory (or --project-directory).',
    multiple: true,
    exclusive: ['discover'],
  }),
  'project-name': Flags.string({char: 'p', summary: 'Compose project name (default: COMPOSE_PROJECT_NAME, the top-level name:, or the folder name).', exclusive: ['discover']}),
  discover: Flags.boolean({summary: 'Every compose project that has containers on the Docker engine, found through the Compose labels.'}),
  'project-directory': Flags.string({
    summary: "The project directory: the base of relative paths (binds, env_file) and where .env is read (default: the first compose file's directory).",
    description: 'Without -f and COMPOSE_FILE, the default compose file names are looked for here.',
    exclusive: ['discover'],
  }),
  'env-file': Flags.string({
    summary: "Variables for interpolation instead of the project directory's .env; repeat to read several, later ones winning (as docker compose v2).",
    multiple: true,
  }),
  profile: Flags.string({
    summary: 'Enable a compose profile; repeat for several, * enables all (default: COMPOSE_PROFILES, comma separated).',
    description: "Services with profiles: none of which is active are left out (inspect lists them); a service named on the command line is in whatever its profiles. Services without profiles: are always in.",
    multiple: true,
  }),
}

/** The parsed projectFlags (restore takes all but --discover). */
export interface ProjectFlagValues {
  compose?: string[]
  'project-name'?: string
  discover?: boolean
  'project-directory'?: string
  'env-file'?: string[]
  profile?: string[]
}

/** What the project flags ask ProjectSource (src/config/compose/load-projects.ts) for. */
export function projectSourceFlags(flags: ProjectFlagValues) {
  return {
    compose: flags.compose ?? [],
    projectName: flags['project-name'],
    discover: flags.discover ?? false,
    projectDirectory: flags['project-directory'],
    envFiles: flags['env-file'],
    profiles: flags.profile,
  }
}

/** What `--target` also accepts besides a folder (src/run/open-store.ts). */
const TARGET_KINDS =
  "Besides a folder, a store a plugin provides: restic:<repo> is a restic repository in restic's own syntax (restic:/srv/repo, restic:sftp:user@host:/srv/repo, restic:s3:host/bucket, restic:rest:https://host/), whose credentials come only from restic's environment (RESTIC_PASSWORD, RESTIC_PASSWORD_FILE, RESTIC_PASSWORD_COMMAND, AWS_ACCESS_KEY_ID, ...). A folder whose name has a colon is written ./name:x."

/**
 * backup's targets: one or more (each item is read once and written to all). No oclif default:
 * backup must tell a given flag (or BACKUPBOT_TARGET) from none, which leaves the choice to the
 * settings file (src/config/settings/resolve.ts).
 */
export const targetsFlag = {
  target: Flags.string({
    char: 't',
    summary: `Where to write: the root of a backup tree, or restic:<repo>; repeat to write every item to several (each item is read once). Default: the settings file's targets, else ${DEFAULT_TARGET}.`,
    description: `${TARGET_KINDS} Given (or BACKUPBOT_TARGET set), it replaces the settings file's targets.`,
    multiple: true,
    env: 'BACKUPBOT_TARGET',
  }),
}

/** The one target of list-versions, verify and restore (BaseCommand.targetOf), and the file that may name it. */
export const targetFlag = {
  target: Flags.string({
    char: 't',
    summary: `The root of the backup tree, or restic:<repo>. Default: the first of the settings file's targets, else ${DEFAULT_TARGET}.`,
    description: TARGET_KINDS,
    env: 'BACKUPBOT_TARGET',
  }),
}

/** The scheme config: the items backup and restore plan, and the settings (list-versions and verify read only its targets). */
export const configFlag = {
  config: Flags.string({
    char: 'c',
    summary: 'Scheme config file (JSON or YAML), with the run settings under $settings; - reads standard input. Default: backupbot.json, .yaml or .yml in the current directory.',
  }),
}

/**
 * How many older versions `backup` keeps per item: restic forget's rules (README "Retention").
 * Any of them given replaces the settings file's whole retention policy (--prune aside).
 */
export const retentionFlags = {
  keep: Flags.integer({
    summary: 'Keep the N newest versions per item.',
    description: "Any retention flag given (--keep, --keep-daily, ...) replaces the settings file's whole retention policy; without one, that policy applies, else every version is kept.",
    min: 1,
    helpGroup: 'RETENTION',
  }),
  'keep-hourly': Flags.integer({summary: 'Keep the newest version of each of the last N hours that have one.', min: 1, helpGroup: 'RETENTION'}),
  'keep-daily': Flags.integer({summary: 'Keep the newest version of each of the last N days that have one.', min: 1, helpGroup: 'RETENTION'}),
  'keep-weekly': Flags.integer({summary: 'Keep the newest version of each of the last N ISO weeks that have one.', min: 1, helpGroup: 'RETENTION'}),
  'keep-monthly': Flags.integer({summary: 'Keep the newest version of each of the last N months that have one.', min: 1, helpGroup: 'RETENTION'}),
  'keep-yearly': Flags.integer({summary: 'Keep the newest version of each of the last N years that have one.', min: 1, helpGroup: 'RETENTION'}),
  'keep-within': Flags.string({summary: 'Keep every version made within this long before the newest, e.g. 1y2m7d12h.', helpGroup: 'RETENTION'}),
  prune: Flags.boolean({
    summary: 'After retention, free the space of what it removed, in stores that separate the two (restic prune); the local tree always frees it.',
    description: "Default: the settings file's retention.prune, else off.",
    helpGroup: 'RETENTION',
  }),
}

/** The policy the retention flags give, or undefined without any (the settings file's, else every version is kept). */
export function retentionPolicy(flags: {
  keep?: number
  'keep-hourly'?: number
  'keep-daily'?: number
  'keep-weekly'?: number
  'keep-monthly'?: number
  'keep-yearly'?: number
  'keep-within'?: string
}): RetentionPolicy | undefined {
  return definedOnly({
    last: flags.keep,
    hourly: flags['keep-hourly'],
    daily: flags['keep-daily'],
    weekly: flags['keep-weekly'],
    monthly: flags['keep-monthly'],
    yearly: flags['keep-yearly'],
    within: flags['keep-within'],
  })
}
