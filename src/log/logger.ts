// Logs go to stderr (stdout is for data and --json), masked, with a level filter.
import type {Logger} from '../scheme.js'
import type {SecretMasker} from './secrets.js'

export type LogLevel = 'quiet' | 'info' | 'debug'

export function stderrLogger(masker: SecretMasker, level: LogLevel, write = (line: string) => process.stderr.write(line)): Logger {
  // On a terminal, a line first erases a progress display that may be drawn there.
  const erase = process.stderr.isTTY ? '\r\u001B[K' : ''
  const emit = (prefix: string, message: string) => write(`${erase}${prefix}${masker.mask(message)}\n`)
  return {
    info: (message) => level !== 'quiet' && emit('', message),
    warn: (message) => emit('warning: ', message),
    debug: (message) => level === 'debug' && emit('debug: ', message),
  }
}
