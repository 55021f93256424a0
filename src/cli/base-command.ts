// One base for every command: `--json`, log level, secret masking, interrupts, and the single
// place where errors and results become exit codes (see README "Exit codes"). A command parses,
// calls the library, renders; what follows from the outcome is decided here.
import {Command, Flags} from '@oclif/core'
import path from 'node:path'

import {loadConfigFile} from '../config/scheme/load-config.js'
import type {ConfigFile} from '../config/scheme/validate-config.js'
import type {ScheduleSettings} from '../config/settings/types.js'
import {DEFAULT_TARGET} from '../config/settings/resolve.js'
import {containersStopped} from '../docker/signal-guard.js'
import {EXIT, errorMessage} from '../errors.js'
import {configOption} from './backup-command-line.js'
import {type ErrorDocument, errorDocument, errorText} from './error-document.js'
import {type ProjectFlagValues, projectSourceFlags} from './flags.js'
import type {RunObserver, RunOutcome} from './run-outcome.js'
import {type LogLevel, stderrLogger} from '../log/logger.js'
import {SecretMasker} from '../log/secrets.js'
import {parseSchedule, resolveSchedule} from '../schedule/cron.js'
import type {PlanningOptions} from '../plan/plan-projects.js'
import {loadSchemes} from '../plugins/load-schemes.js'
import {loadStores} from '../plugins/load-stores.js'
import type {OpenStoreOptions, StoreRegistry} from '../run/open-store.js'
import type {Logger} from '../scheme.js'
import type {SchemeRegistry} from '../schemes/registry.js'

/** What a command may throw: the core's typed errors (src/errors.ts) and oclif's. */
type CommandError = Error & {exitCode?: number; oclif?: {exit?: number}; suggestions?: string[]}

/** The flags backup and restore plan from (see ./flags.ts). */
export interface PlanningFlags extends ProjectFlagValues {
  config?: string
}

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true
  static override baseFlags = {
    quiet: Flags.boolean({char: 'q', summary: 'Only print warnings and errors on stderr.', exclusive: ['verbose'], helpGroup: 'GLOBAL'}),
    verbose: Flags.boolean({char: 'v', summary: 'Also print debug lines on stderr.', helpGroup: 'GLOBAL'}),
  }

  protected masker = new SecretMasker()
  protected logger: Logger = stderrLogger(this.masker, 'info')
  /** Aborted by the first SIGINT/SIGTERM while interruptible() work runs. */
  private readonly interrupt = new AbortController()

  /** Call with the parsed flags: sets the log level. */
  protected useLogFlags(flags: {quiet?: boolean; verbose?: boolean}): Logger {
    const level: LogLevel = flags.verbose ? 'debug' : flags.quiet ? 'quiet' : 'info'
    this.logger = stderrLogger(this.masker, level)
    return this.logger
  }

  /** The restart journal's folder, under the data dir (BACKUPBOT_DATA_DIR aware). */
  protected journalDir(): string {
    return path.join(this.config.dataDir, 'journal')
  }

  protected async schemes(): Promise<SchemeRegistry> {
    return this.warnFailures(await loadSchemes(this.config))
  }

  /** The kinds of store plugins provide (`restic:<repo>`); the local tree needs none. */
  protected async stores(): Promise<StoreRegistry> {
    return this.warnFailures(await loadStores(this.config))
  }

  /** A plugin that could not provide its schemes or stores is a warning: the others still work. */
  private warnFailures<T extends {failures: Array<{plugin: string; error: string}>}>(registry: T): T {
    for (const failure of registry.failures) this.logger.warn(`plugin ${failure.plugin}: ${failure.error}`)
    return registry
  }

  /**
   * The one target of list-versions, verify and restore: --target (or BACKUPBOT_TARGET), else
   * the first of the settings file's targets, where backup writes, else ./backups. The scheme
   * config is read only when --target is not given: `config` is the one planning() loaded
   * (restore), else it is read here.
   */
  protected async targetOf(flags: {target?: string; config?: string}, config?: ConfigFile): Promise<string> {
    if (flags.target !== undefined) return flags.target
    const file = config ?? (await loadConfigFile(flags.config, process.cwd(), await this.schemes()))
    const targets = file?.settings?.targets ?? []
    if (targets.length > 1) this.logger.info(`${file!.file}: $settings.targets names ${targets.length} targets; using the first (--target chooses another)`)
    return targets[0] ?? DEFAULT_TARGET
  }

  /**
   * The schedule of daemon and schedule systemd|cron: --cron (with --timezone) replaces
   * $settings.schedule of the config file that backup's arguments (after --) name; without
   * --cron that file is read, and validated whole, here.
   */
  protected async scheduleOf(flags: {cron?: string; timezone?: string}, backupArgs: string[]): Promise<ScheduleSettings> {
    const option = configOption(backupArgs)
    const file = flags.cron !== undefined || option === '-' ? undefined : await loadConfigFile(option, process.cwd(), await this.schemes())
    const schedule = resolveSchedule(flags, file?.settings?.schedule)
    parseSchedule(schedule)
    return schedule
  }

  /** What opening `--target` takes: the installed kinds of store, the log, the environment, the masker. */
  protected async storeAccess(): Promise<OpenStoreOptions> {
    return {cwd: process.cwd(), stores: await this.stores(), log: this.logger, env: process.env, masker: this.masker}
  }

  /**
   * What backup and restore both hand the library: where the compose projects come from, the
   * scheme config file (read and validated here, once, settings included, before anything is
   * touched), the installed schemes and stores, the log, the interrupt and the restart journal.
   */
  protected async planning(flags: PlanningFlags, services: string[]): Promise<PlanningOptions & OpenStoreOptions & {signal: AbortSignal; journalDir: string}> {
    const registry = await this.schemes()
    return {
      ...(await this.storeAccess()),
      ...projectSourceFlags(flags),
      config: await loadConfigFile(flags.config, process.cwd(), registry),
      services,
      registry,
      signal: this.interrupt.signal,
      journalDir: this.journalDir(),
    }
  }

  /**
   * Runs work that changes things under SIGINT/SIGTERM handling: the first signal aborts
   * planning()'s signal (the work then cleans up: temporary files removed, stopped containers
   * started again) and the result's exit code becomes 130; a second one exits at once unless
   * containers are still being started again (src/docker/signal-guard.ts).
   */
  protected async interruptible<T>(work: () => Promise<T>): Promise<T> {
    // `on`, not `once`: a second signal must not kill the process while stopped containers are
    // being started again.
    const onSignal = (signal: NodeJS.Signals) => {
      if (!this.interrupt.signal.aborted) {
        this.logger.warn(`${signal} received: stopping after cleanup`)
        // The reason is what an interrupted item and on_error's BACKUPBOT_ERROR say (a bare
        // abort() says "This operation was aborted").
        this.interrupt.abort(new Error(`interrupted by ${signal}`))
      } else if (!containersStopped()) {
        this.logger.warn(`${signal} received again: exiting now`)
        process.exit(EXIT.interrupted)
      }
    }
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal)
    try {
      return await work()
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
    }
  }

  /** Prints data on stdout (JSON mode prints the returned value instead). */
  protected print(text: string): void {
    this.log(this.masker.mask(text))
  }

  /**
   * Runs `work` and tells each observer how it ended, whatever that was (a result, an error, an
   * interrupt): the exit code, the --json document and the text the command ends with.
   */
  protected async observed<T>(observers: Array<RunObserver<T>>, render: (result: T) => string, work: () => Promise<T>): Promise<T> {
    let result: T
    try {
      result = await work()
    } catch (error) {
      const {exitCode, document} = this.failure(error as CommandError)
      const {message, suggestions} = document.error
      await this.tell(observers, {exitCode, document, text: errorText(message, suggestions)})
      throw error
    }
    await this.tell(observers, {exitCode: this.exitCodeOf(result), document: this.toSuccessJson(result) as T, text: this.masker.mask(render(result))})
    return result
  }

  private async tell<T>(observers: Array<RunObserver<T>>, outcome: RunOutcome<T>): Promise<void> {
    await Promise.all(observers.map((observer) => observer.finish(outcome)))
  }

  /** The one place a result becomes an exit code: `ok: false` is 1, or 130 once interrupted. */
  private exitCodeOf(result: unknown): number {
    if (result !== null && typeof result === 'object' && (result as {ok?: unknown}).ok === false) {
      return this.interrupt.signal.aborted ? EXIT.interrupted : EXIT.failed
    }
    return EXIT.ok
  }

  protected override async _run<T>(): Promise<T> {
    const result = await super._run<T>()
    const exitCode = this.exitCodeOf(result)
    if (exitCode !== EXIT.ok) process.exitCode = exitCode
    return result
  }

  /** The exit code an error ends the command with, and its --json document (masked). */
  private failure(error: CommandError): {exitCode: number; document: ErrorDocument} {
    const exitCode = error.exitCode ?? error.oclif?.exit ?? EXIT.failed
    const message = this.masker.mask(errorMessage(error))
    const suggestions = (error.suggestions ?? []).map((s) => this.masker.mask(s))
    return {exitCode, document: errorDocument({name: error.name, message, suggestions}, exitCode)}
  }

  /** Every --json document is masked here, whatever produced it. */
  protected override toSuccessJson(result: unknown): unknown {
    return this.masker.maskValues(result)
  }

  override async catch(error: CommandError): Promise<void> {
    // oclif's own exits (help, --version) and flag parsing errors keep their behaviour.
    if (error.oclif?.exit !== undefined && error.exitCode === undefined) {
      if (error.oclif.exit === 0 || !this.jsonEnabled()) throw error
    }
    const {exitCode, document} = this.failure(error)
    process.exitCode = exitCode
    if (this.jsonEnabled()) {
      this.logJson(document)
      return
    }
    process.stderr.write(errorText(document.error.message, document.error.suggestions))
    if (this.argv.includes('--verbose') && error.stack) process.stderr.write(`${this.masker.mask(error.stack)}\n`)
  }
}
