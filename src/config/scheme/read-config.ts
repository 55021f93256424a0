// Finds and parses the backup scheme config (JSON or YAML; `-` reads standard input).
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {text} from 'node:stream/consumers'

import yaml from 'js-yaml'

import {ConfigError, UsageError} from '../../errors.js'

export const DEFAULT_CONFIG_NAMES = ['backupbot.json', 'backupbot.yaml', 'backupbot.yml']

export interface RawSchemeConfig {
  /** Shown in errors: the path as given, or `<stdin>`. */
  file: string
  data: unknown
}

/** Undefined when no file is given and none of the default names exists (zero-config). */
export async function readSchemeConfig(option: string | undefined, cwd: string): Promise<RawSchemeConfig | undefined> {
  if (option === '-') return {file: '<stdin>', data: parse('<stdin>', await text(process.stdin))}
  const file = option ?? DEFAULT_CONFIG_NAMES.find((name) => existsSync(path.join(cwd, name)))
  if (!file) return undefined
  let source: string
  try {
    source = await readFile(path.resolve(cwd, file), 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read the scheme config ${file}: ${(error as Error).message}`, ['check the --config path'])
  }
  return {file, data: parse(file, source)}
}

function parse(file: string, source: string): unknown {
  // YAML is a superset of JSON, so one parser reads both; JSON gets JSON's own error messages.
  // Neither message quotes the file: a config holds passwords (the parsers' own messages do).
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(source)
    } catch (error) {
      throw new ConfigError(file, '', `not valid JSON: ${jsonProblem(error as Error, source)}`)
    }
  }
  try {
    return yaml.load(source, {filename: file})
  } catch (error) {
    const {reason, mark} = error as {reason?: string; mark?: {line: number; column: number}}
    const where = mark ? ` (line ${mark.line + 1}, column ${mark.column + 1})` : ''
    throw new ConfigError(file, '', `not valid YAML or JSON: ${reason ?? 'it cannot be parsed'}${where}`)
  }
}

/** V8's reason without the excerpt of the file it may quote, and where, when it says. */
function jsonProblem(error: Error, source: string): string {
  const position = /at position (\d+)/.exec(error.message)
  const reason = /^Unexpected token/.test(error.message) ? 'unexpected character' : error.message.replace(/ in JSON at position \d+.*$/, '').replace(/, ".*$/s, '')
  if (!position) return reason
  const before = source.slice(0, Number(position[1]))
  const line = before.split('\n').length
  return `${reason} (line ${line}, column ${before.length - before.lastIndexOf('\n')})`
}
