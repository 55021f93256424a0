// One base for every command: `--json`, log level, secret masking, and the single place where
// errors become exit codes (see README "Exit codes").
import {Command, Flags} from '@oclif/core'
import path from 'node:path'

import {errorMessage} from '../errors.js'
import {INTERRUPTED_EXIT} from './interrupt.js'
import {type LogLevel, stderrLogger} from '../log/logger.js'
import {SecretMasker} from '../log/secrets.js'
import {loadSchemes} from '../plugins/load-schemes.js'
import type {Logger} from '../scheme.js'
import type {SchemeRegistry} from '../schemes/registry.js'

export const EXIT = {ok: 0, itemFailed: 1, usage: 2, locked: 3, interrupted: INTERRUPTED_EXIT} as const

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true
  static override baseFlags = {
    quiet: Flags.boolean({char: 'q', summary: 'Only print warnings and errors on stderr.', exclusive: ['verbose'], helpGroup: 'GLOBAL'}),
    verbose: Flags.boolean({char: 'v', summary: 'Also print debug lines on stderr.', helpGroup: 'GLOBAL'}),
  }

  protected masker = new SecretMasker()
  protected logger: Logger = stderrLogger(this.masker, 'info')

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
    const registry = await loadSchemes(this.config)
    for (const failure of registry.failures) this.logger.warn(`plugin ${failure.plugin}: ${failure.error}`)
    return registry
  }

  /** Prints data on stdout (JSON mode prints the returned value instead). */
  protected print(text: string): void {
    this.log(this.masker.mask(text))
  }

  override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}; suggestions?: string[]}): Promise<void> {
    // oclif's own exits (help, --version) and flag parsing errors keep their behaviour.
    if (error.oclif?.exit !== undefined && error.exitCode === undefined) {
      if (error.oclif.exit === 0 || !this.jsonEnabled()) throw error
    }
    const exitCode = error.exitCode ?? error.oclif?.exit ?? 1
    process.exitCode = exitCode
    const message = this.masker.mask(errorMessage(error))
    const suggestions = (error.suggestions ?? []).map((s) => this.masker.mask(s))
    if (this.jsonEnabled()) {
      this.logJson({error: {name: error.name, message, exitCode, suggestions}})
      return
    }
    process.stderr.write(`backupbot: ${message}\n${suggestions.map((s) => `  hint: ${s}\n`).join('')}`)
    if (this.argv.includes('--verbose') && error.stack) process.stderr.write(`${this.masker.mask(error.stack)}\n`)
  }
}
