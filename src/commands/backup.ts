import {Args, Flags, type Interfaces} from '@oclif/core'

import {COMPRESSIONS, DEFAULT_COMPRESSION} from '../archive/compression.js'
import {BaseCommand} from '../cli/base-command.js'
import {configFlag, projectFlags, retentionFlags, retentionPolicy, targetsFlag} from '../cli/flags.js'
import {resolveRunSettings} from '../config/settings/resolve.js'
import {salvageNotify} from '../config/settings/salvage-notify.js'
import type {RunObserver} from '../cli/run-outcome.js'
import {metricsRun} from '../metrics/metrics-run.js'
import {notifyRun} from '../notify/notify-run.js'
import {renderBackupResult, renderDryRun} from '../render/backup.js'
import {terminalProgress} from '../render/progress.js'
import {backup, type BackupRequest} from '../run/backup.js'
import type {BackupResult, DryRunResult} from '../run/result.js'

type BackupFlags = Interfaces.InferredFlags<typeof Backup.flags & typeof BaseCommand.baseFlags>

export default class Backup extends BaseCommand {
  static override summary = 'Back up the services of a compose project into versioned folders.'
  static override description = `Plans every item from the scheme config (or, without one, every service's bind mounts and named volumes), validates it all before touching anything, then writes each item's new version under a temporary name, checksums it, renames it into place as .1 and rotates the older ones. With several --target, each item is read once and written to every target; it counts as ok only when every target has it. The --keep flags remove older versions (restic forget's rules) only once the new version is complete, and not when it is less than half the size of the one before; in a restic repository they forget snapshots, and --prune also frees their space.

Compression (--compression, or compression: in a scheme config entry, which wins for its items): gzip (default; .tar.gz, .sql.gz: what everyone can open), zstd (level 3 on every core; .tar.zst, .sql.zst: smaller and faster; read by hand with zstd -dc) or none (stored as the scheme writes it: .tar, .sql). Data compressed already (a pg_dump custom archive, a volume command's output) is stored as it is, and a restic repository always gets the data uncompressed, since restic compresses itself.

Settings: the scheme config file may hold the run settings under $settings (targets, retention, compression, spool_dir, spool, hooks, notify, metrics_file, schedule; see backupbot config validate and backupbot config schema). A flag given on the command line, or its environment variable, wins over the file; the file wins over the defaults. --target given replaces the file's targets; any retention flag given replaces the file's whole retention policy (--prune aside).

A --target may be a restic repository (restic:<repo>, credentials from restic's environment only). A target that cannot be reached when the run starts (its network is down) is skipped with one warning: the other targets still get every item, which counts as failed.

Containers a scheme stops are recorded in a restart journal first and started again as soon as their data is read, also on failure or SIGINT/SIGTERM. While they are stopped backupbot only reads: the data goes into a spool file (--spool-dir) at disk speed, and is compressed and written to the targets after they run again; without room for it (checked before anything is stopped) the item streams, with a warning. If an earlier run was killed while containers were stopped, this run starts them again before anything else (see backupbot recover).

Exit codes: 0 every item succeeded; 1 some item failed, or a target could not be reached (the others still ran and their versions are kept); 2 usage or configuration error, nothing touched; 3 another run holds the target's lock, nothing touched; 130 interrupted.`
  static override examples = [
    {command: '<%= config.bin %> backup', description: 'Back up the compose project in the current directory into ./backups.'},
    {command: '<%= config.bin %> backup db --config backupbot.yaml --keep 7', description: 'Back up one service as configured, keeping 7 versions.'},
    {command: '<%= config.bin %> backup --config /etc/backupbot/backupbot.yaml', description: 'Targets, retention, compression and hooks as the file\'s $settings say.'},
    {command: '<%= config.bin %> backup --dry-run --json', description: 'Print the plan as JSON; touch nothing.'},
    {command: '<%= config.bin %> backup --compression zstd --keep 7', description: 'Store every item zstd-compressed (.tar.zst, .sql.zst): smaller and faster than gzip.'},
    {command: '<%= config.bin %> backup --target /srv/backups --target /mnt/usb/backups --keep-daily 7', description: 'Write every item to two trees, keeping one version a day for a week.'},
    {
      command: 'RESTIC_PASSWORD_FILE=/etc/backupbot/restic-pass <%= config.bin %> backup --target ./backups --target restic:sftp:backup@nas:/srv/restic --keep-daily 7 --prune',
      description: 'Also write every item to a restic repository over SFTP, and free the space of the snapshots retention forgot there.',
    },
  ]
  static override args = {
    // ignoreStdin: oclif would otherwise read a missing argument from stdin, eating `--config -`.
    services: Args.string({description: 'Services to back up (default: all).', required: false, ignoreStdin: true}),
  }
  static override strict = false
  static override flags = {
    ...projectFlags,
    ...targetsFlag,
    ...configFlag,
    ...retentionFlags,
    'dry-run': Flags.boolean({summary: 'Print what would be stopped, archived and where; touch nothing.'}),
    // No oclif defaults here: a flag not given leaves the choice to the settings file.
    compression: Flags.option({
      options: COMPRESSIONS,
      summary: `How items are compressed in local targets: gzip (.gz), zstd (.zst, needs Node.js 22.15+ or the zstd program) or none. Default: the settings file's compression, else ${DEFAULT_COMPRESSION}.`,
      description: 'A scheme config entry\'s compression: key overrides it for its items. A restic repository always gets the data uncompressed.',
    })(),
    'spool-dir': Flags.string({
      summary: "Where the data of items that stop containers is read to first, so that they are down only while it is read (default: the settings file's spool_dir, else the first local target, else TMPDIR).",
      description: 'A hidden file .backupbot-spool-*, mode 0600, removed when the item ends. The file system needs room for the largest such item (checked first; without room it streams, with a warning).',
      exclusive: ['no-spool'],
    }),
    'no-spool': Flags.boolean({summary: 'Stream every item into the targets as it is read: containers stay stopped until their data is compressed and stored.'}),
    'metrics-file': Flags.string({
      summary: 'After the run, whatever its outcome, write its metrics to this file in Prometheus\' text format (for node-exporter\'s textfile collector: name it *.prom in its directory).',
      description: 'Replaced atomically (a temporary file in the same directory, then a rename), mode 0644. The last success timestamps are carried over from the file while runs or items fail. A file that cannot be written is a warning; the backup\'s outcome is unchanged.',
    }),
  }

  async run(): Promise<BackupResult | DryRunResult> {
    const {flags, argv} = await this.parse(Backup)
    this.useLogFlags(flags)
    const request = await this.request(flags, argv as string[]).catch((error: unknown) => this.notifyRefusal(flags, error))
    // Set up first, even for a dry run: it registers the URLs' tokens as secrets and checks them.
    const notify = notifyRun(request.notify, {masker: this.masker, log: this.logger})
    // A dry run is no backup: nothing to notify or to record.
    const observers: Array<RunObserver<BackupResult | DryRunResult>> = request.dryRun ? [] : [notify, metricsRun(request.metricsFile, this.logger)]
    const render = (result: BackupResult | DryRunResult) => ('dryRun' in result ? renderDryRun(result) : renderBackupResult(result))
    const result = await this.observed(observers, render, () => this.interruptible(() => backup({...request, onRunStart: () => notify.start()})))
    this.print(render(result))
    return result
  }

  /**
   * The scheme config file was refused (or the run could not be set up): tells the file's own
   * `$settings.notify`, when that part is sound (src/config/settings/salvage-notify.ts), then
   * rethrows. Not for a dry run, which notifies nothing.
   */
  private async notifyRefusal(flags: BackupFlags, error: unknown): Promise<never> {
    const settings = flags['dry-run'] ? undefined : await salvageNotify(flags.config, process.cwd())
    if (!settings) throw error
    // observed() tells the observers the error's exit code and document, then rethrows it.
    return this.observed<never>([notifyRun(settings, {masker: this.masker, log: this.logger})], () => '', () => Promise.reject(error))
  }

  /** What the flags ask for, over the settings file's `$settings`. */
  protected async request(flags: BackupFlags, services: string[]): Promise<BackupRequest> {
    const planning = await this.planning(flags, services)
    const settings = resolveRunSettings(
      {
        // oclif hands a multiple flag's value from its env variable over as a plain string.
        targets: flags.target === undefined ? undefined : ([] as string[]).concat(flags.target),
        retention: retentionPolicy(flags),
        prune: flags.prune || undefined,
        compression: flags.compression,
        spoolDir: flags['spool-dir'],
        spool: flags['no-spool'] ? false : undefined,
        metricsFile: flags['metrics-file'],
      },
      planning.config?.settings,
    )
    return {
      ...planning,
      ...settings,
      dryRun: flags['dry-run'],
      version: this.config.version,
      // An animated line only on a terminal: never in pipes, cron logs or --json runs.
      progress: process.stderr.isTTY && !flags.quiet && !this.jsonEnabled() ? terminalProgress(process.stderr) : undefined,
    }
  }
}
