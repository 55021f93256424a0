// The project's `.env` file, which Compose reads for interpolation (and COMPOSE_PROJECT_NAME).
// Values are taken literally: variable references inside `.env` are not expanded.
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ConfigError} from '../../errors.js'
import {type Env, setOwn} from './interpolate.js'

const ASSIGNMENT = /^(?:export[ \t]+)?([^\s=#]+)[ \t]*=[ \t]*/
const ESCAPES: Record<string, string> = {n: '\n', r: '\r', t: '\t'}

export class DotenvSyntaxError extends Error {
  constructor(readonly line: number, problem: string) {
    super(`line ${line}: ${problem}`)
    this.name = 'DotenvSyntaxError'
  }
}

/** `KEY=VALUE` lines, `export` prefixes, `#` comments, single/double quotes (may span lines). */
export function parseDotenv(text: string): Record<string, string> {
  const src = text.replace(/\r\n?/g, '\n')
  const out: Record<string, string> = {}
  let pos = 0
  while (pos < src.length) {
    const lineNo = src.slice(0, pos).split('\n').length
    const eol = indexOrEnd(src, '\n', pos)
    const line = src.slice(pos, eol)
    const indent = line.length - line.trimStart().length
    const match = ASSIGNMENT.exec(line.slice(indent))
    if (!match) {
      // Blank lines, comments and bare names (no `=`) carry no value.
      pos = eol + 1
      continue
    }
    const start = pos + indent + match[0].length
    const quote = src[start]
    if (quote === '"' || quote === "'") {
      const close = closingQuote(src, start + 1, quote)
      if (close < 0) throw new DotenvSyntaxError(lineNo, `unterminated ${quote === '"' ? 'double' : 'single'}-quoted value for ${match[1]}`)
      const raw = src.slice(start + 1, close)
      setOwn(out, match[1], quote === '"' ? unescape(raw) : raw)
      pos = indexOrEnd(src, '\n', close) + 1
    } else {
      // An unquoted value ends at the line end or at a ` #` comment.
      setOwn(out, match[1], src.slice(start, eol).replace(/(^|[ \t]+)#.*$/, '').trimEnd())
      pos = eol + 1
    }
  }
  return out
}

function indexOrEnd(text: string, search: string, from: number): number {
  const index = text.indexOf(search, from)
  return index < 0 ? text.length : index
}

function closingQuote(text: string, from: number, quote: string): number {
  for (let i = from; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++
    else if (text[i] === quote) return i
  }
  return -1
}

function unescape(raw: string): string {
  return raw.replace(/\\(.)/gs, (_, c: string) => ESCAPES[c] ?? c)
}

/** The `.env` of a project directory; a missing file is an empty environment. */
export async function readDotenv(directory: string): Promise<Record<string, string>> {
  return (await readDotenvFile(join(directory, '.env'))) ?? {}
}

/** A file in `.env` syntax; undefined when there is no such file. */
export async function readDotenvFile(file: string): Promise<Record<string, string> | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'EISDIR') return undefined
    throw error
  }
  try {
    return parseDotenv(text)
  } catch (error) {
    if (error instanceof DotenvSyntaxError) throw new ConfigError(file, '', error.message)
    throw error
  }
}

/** The interpolation environment: `.env` overlaid by the process environment (process wins). */
export function interpolationEnv(dotenv: Record<string, string>, processEnv: Env): Record<string, string> {
  const out: Record<string, string> = {...dotenv}
  for (const [key, value] of Object.entries(processEnv)) if (value !== undefined) setOwn(out, key, value)
  return out
}
