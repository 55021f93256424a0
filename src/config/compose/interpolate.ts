// Compose variable interpolation (`$VAR`, `${VAR:-default}`, ...) over a parsed YAML tree.
// Follows compose-go: a lone `$` that starts no variable stays literal, `${` must be well formed,
// and defaults/alternatives are interpolated only when used (so `${A:-${B}}` warns about B
// only when A is empty).
import {ConfigError} from '../../errors.js'

export type Env = Record<string, string | undefined>

/** Called once per use of an unset variable that falls back to a blank string. */
export type OnUnset = (name: string) => void

/** A `${VAR:?msg}` failure or a malformed `${...}`; names the variable when there is one. */
export class InterpolationError extends Error {
  constructor(message: string, readonly variable?: string) {
    super(message)
    this.name = 'InterpolationError'
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/
const BRACED = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/

export function unsetWarning(name: string): string {
  return `variable ${name} is not set, defaulting to a blank string`
}

export function interpolateString(text: string, env: Env, onUnset: OnUnset = () => {}): string {
  let out = ''
  let i = 0
  while (i < text.length) {
    const dollar = text.indexOf('$', i)
    if (dollar < 0) {
      out += text.slice(i)
      break
    }
    out += text.slice(i, dollar)
    const next = text[dollar + 1]
    if (next === '$') {
      out += '$'
      i = dollar + 2
    } else if (next === '{') {
      const close = closingBrace(text, dollar + 2)
      if (close < 0) throw new InterpolationError(`invalid interpolation format in "${text}": missing "}"`)
      out += braced(text.slice(dollar + 2, close), env, onUnset)
      i = close + 1
    } else {
      const name = NAME.exec(text.slice(dollar + 1))?.[0]
      if (name) {
        out += plain(name, env, onUnset)
        i = dollar + 1 + name.length
      } else {
        out += '$'
        i = dollar + 1
      }
    }
  }
  return out
}

/** Index of the `}` closing a `${` whose body starts at `from`; nested `${...}` count, `$$` does not. */
function closingBrace(text: string, from: number): number {
  let depth = 1
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && (text[i + 1] === '$' || text[i + 1] === '{')) {
      if (text[i + 1] === '{') depth++
      i++
    } else if (text[i] === '}' && --depth === 0) {
      return i
    }
  }
  return -1
}

/** Own properties only, so `$constructor` is an unset variable and not Object's. */
export function lookup<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined
}

function plain(name: string, env: Env, onUnset: OnUnset): string {
  const value = lookup(env, name)
  if (value === undefined) onUnset(name)
  return value ?? ''
}

function braced(body: string, env: Env, onUnset: OnUnset): string {
  const match = BRACED.exec(body)
  if (!match) throw new InterpolationError(`invalid interpolation format "\${${body}}" (write "$$" for a literal "$")`)
  const [, name, op, arg = ''] = match
  if (!op) return plain(name, env, onUnset)
  const value = lookup(env, name)
  const isSet = value !== undefined
  // With a colon an empty value counts as unset.
  const present = op.startsWith(':') ? isSet && value !== '' : isSet
  const nested = () => interpolateString(arg, env, onUnset)
  switch (op.at(-1)) {
    case '-':
      return present ? value! : nested()
    case '+':
      return present ? nested() : ''
    default: {
      if (present) return value!
      const message = nested()
      const problem = op === ':?' ? 'is missing a value' : 'is not set'
      throw new InterpolationError(`required variable ${name} ${problem}${message ? `: ${message}` : ''}`, name)
    }
  }
}

/** `a.b`, or `a["b.c"]` when the key would make the path ambiguous. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`
  const part = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key)
  if (part !== key) return `${parent}[${part}]`
  return parent ? `${parent}.${key}` : key
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Assigns without the `__proto__` setter, since keys come from user files. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {value, enumerable: true, writable: true, configurable: true})
}

/**
 * Interpolates every string value of a YAML tree (mapping keys stay as written, as in Compose).
 * Errors become ConfigErrors located at the value's key path in `file`.
 */
export function interpolateTree(tree: unknown, env: Env, file: string, onUnset: OnUnset = () => {}, path = ''): unknown {
  if (typeof tree === 'string') {
    try {
      return interpolateString(tree, env, onUnset)
    } catch (error) {
      if (error instanceof InterpolationError) throw new ConfigError(file, path, error.message)
      throw error
    }
  }
  if (Array.isArray(tree)) return tree.map((item, i) => interpolateTree(item, env, file, onUnset, childPath(path, i)))
  if (isMapping(tree)) {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(tree)) setOwn(out, key, interpolateTree(value, env, file, onUnset, childPath(path, key)))
    return out
  }
  return tree
}
