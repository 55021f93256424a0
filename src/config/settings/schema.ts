// The JSON Schema of `$settings` (./types.ts), for the validator and for editors (`backupbot
// config schema`): every object closed (additionalProperties: false) so that a misspelt key is
// an error, every property described so that editors show what it does. What JSON Schema cannot
// check (a cron expression, a time zone, an http(s) URL, a restic duration) is a `format` that
// the validator knows (./formats.ts).
import {COMPRESSIONS} from '../../archive/compression.js'
import type {JsonSchema} from '../../scheme.js'
import type {SettingsFormatName} from './formats.js'

const text = (description: string): JsonSchema => ({type: 'string', minLength: 1, description})
const formatted = (format: SettingsFormatName, description: string): JsonSchema => ({type: 'string', format, description})
const positive = (description: string): JsonSchema => ({type: 'number', exclusiveMinimum: 0, description})
const count = (description: string): JsonSchema => ({type: 'integer', minimum: 1, description})
const argv = (description: string): JsonSchema => ({type: 'array', minItems: 1, items: {type: 'string'}, description})

const closed = (description: string, properties: Record<string, JsonSchema>, more: JsonSchema = {}): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  description,
  properties,
  ...more,
})

/** A service's hook: exactly one of run, shell, exec; an exec runs in the service's own container unless it names another. */
const serviceHook = closed(
  'A command: run (argv on the host, no shell), shell (a line for /bin/sh -c on the host) or exec (argv in a running container of a compose service).',
  {
    run: argv('The command and its arguments, run on the host without a shell, e.g. ["systemctl", "stop", "cron"].'),
    shell: text('A line run on the host by /bin/sh -c, for when a shell is wanted (pipes, redirections).'),
    exec: argv('The command and its arguments, run without a shell in a running container of `service` (docker exec), e.g. ["php", "occ", "maintenance:mode", "--on"].'),
    service: text('exec only: the compose service whose running container runs it (default: the service the hook belongs to; required in the run\'s own hooks).'),
    user: text('exec only: the user in the container (as docker exec --user).'),
    workdir: text('exec only: the working directory in the container (as docker exec --workdir).'),
    timeout: positive('Seconds before the hook is stopped and counts as failed (default 60).'),
  },
  {
    oneOf: [{required: ['run']}, {required: ['shell']}, {required: ['exec']}],
    dependencies: {service: ['exec'], user: ['exec'], workdir: ['exec']},
  },
)

/** The run's own hooks belong to no service: an exec must say whose container runs it. */
const runHook: JsonSchema = {
  ...serviceHook,
  if: {required: ['exec']},
  then: {required: ['service']},
}

const hookSet = (hook: JsonSchema, around: string): Record<string, JsonSchema> => ({
  before: {type: 'array', items: hook, description: `Run before ${around}, in order; if one fails, ${around} is skipped (nothing is stopped) and the run fails.`},
  after: {type: 'array', items: hook, description: `Run after ${around} once its before hooks ran: on success, on failure and on SIGINT/SIGTERM.`},
  on_error: {type: 'array', items: hook, description: `Run when ${around} failed, before the after hooks.`},
})

const retention = closed(
  "Which older versions each item keeps, with restic forget's rules (a version kept by any rule is kept; the newest always is). Any --keep flag replaces this whole policy.",
  {
    keep: count('--keep: the N newest versions.'),
    keep_hourly: count('--keep-hourly: the newest version of each of the last N hours that have one.'),
    keep_daily: count('--keep-daily: the newest version of each of the last N days that have one.'),
    keep_weekly: count('--keep-weekly: the newest version of each of the last N ISO weeks that have one.'),
    keep_monthly: count('--keep-monthly: the newest version of each of the last N months that have one.'),
    keep_yearly: count('--keep-yearly: the newest version of each of the last N years that have one.'),
    keep_within: formatted('restic-duration', '--keep-within: every version made within this long before the newest, e.g. 1y2m7d12h.'),
    prune: {type: 'boolean', description: '--prune: also free the space of what retention removed in stores that separate the two (restic prune).'},
  },
)

export const notify = closed('Where the outcome of every run is reported. A failed delivery is a warning, never a failed backup.', {
  webhooks: {
    type: 'array',
    description: 'URLs that get a POST of the run\'s JSON document (as backup --json prints it, secrets masked).',
    items: closed(
      'One webhook.',
      {
        url: formatted('http-url', 'The http(s) URL to POST to.'),
        when: {type: 'string', enum: ['failure', 'always'], description: 'failure (default): only when the run failed; always: after every run.'},
        headers: {type: 'object', additionalProperties: {type: 'string'}, description: 'Headers of the request, e.g. {"Authorization": "Bearer ..."} (never logged).'},
      },
      {required: ['url']},
    ),
  },
  healthchecks: formatted('http-url', 'A healthchecks.io-style ping URL: <url>/start when the run starts, <url> on success, <url>/fail with the end of the error on failure.'),
  timeout: positive('Seconds per delivery attempt (default 10).'),
  retries: {type: 'integer', minimum: 0, description: 'Further attempts after a failed delivery (default 2).'},
})

export const settingsSchema: JsonSchema = closed(
  'The run settings of backup and daemon. A flag given on the command line (or its environment variable) wins over the setting.',
  {
    targets: {
      type: 'array',
      minItems: 1,
      items: {type: 'string', minLength: 1},
      description: '--target: where every item is written: folders, or restic:<repo> (default ./backups). A --target flag replaces this list.',
    },
    retention,
    compression: {type: 'string', enum: [...COMPRESSIONS], description: '--compression: gzip (default), zstd or none. A scheme entry\'s own compression: still wins for its items.'},
    spool_dir: text('--spool-dir: an existing directory where items that stop containers are read to first (default: the first local target, else TMPDIR).'),
    spool: {type: 'boolean', description: 'false is --no-spool: every item streams into the targets, its containers stopped until it is stored.'},
    hooks: closed(
      "Commands run around the whole run (before, after, on_error) and around each service's items (services).",
      {
        ...hookSet(runHook, 'the run'),
        services: {
          type: 'object',
          description: 'Hooks around one compose service\'s items, by service name.',
          additionalProperties: closed("A service's hooks.", hookSet(serviceHook, "the service's items")),
        },
      },
    ),
    notify,
    metrics_file: text('--metrics-file: a file for node-exporter\'s textfile collector, written in Prometheus text format after each run.'),
    schedule: closed(
      'When backupbot daemon runs the backup.',
      {
        cron: formatted('cron', 'A cron expression: five fields, or six with seconds first, e.g. "0 3 * * *" (03:00 every day).'),
        timezone: formatted('iana-timezone', 'The IANA time zone of cron, e.g. Europe/Berlin (default: the machine\'s).'),
      },
      {required: ['cron']},
    ),
  },
)
