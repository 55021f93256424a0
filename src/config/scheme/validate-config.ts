// Validates a scheme config against one schema assembled from the core's structure and every
// installed scheme's own options schema. All problems are reported at once, each with the file,
// the path inside it (`db[2].password`) and what to do. Nothing is touched before this passes.
import {Ajv, type ErrorObject} from 'ajv'

import {COMPRESSIONS, type Compression} from '../../archive/compression.js'
import {ConfigError, UsageError} from '../../errors.js'
import type {JsonSchema} from '../../scheme.js'
import {optionsSchemaOf} from '../../schemes/options-schema.js'
import {KNOWN_SCHEME_PACKAGES, type SchemeRegistry} from '../../schemes/registry.js'
import type {RawSchemeConfig} from './read-config.js'

/** One entry of the config: `{type: ..., ...options}`. */
export interface SchemeEntry {
  type: string
  /** The core's, for every scheme: how this entry's items are compressed (overrides `backup --compression`). */
  compression?: Compression
  [option: string]: unknown
}

/** The options of an entry that the core reads itself, whatever its scheme. */
const CORE_OPTIONS = {
  type: {type: 'string'},
  compression: {type: 'string', enum: [...COMPRESSIONS]},
}

/** Config key (a service or container name) -> its entries, in file order. */
export type SchemeConfig = Record<string, SchemeEntry[]>

export function buildConfigSchema(registry: SchemeRegistry): JsonSchema {
  const branches = registry.list.map(({scheme}) => {
    const options = optionsSchemaOf(scheme)
    return {
      if: {properties: {type: {enum: [scheme.type, ...(scheme.aliases ?? [])]}}, required: ['type']},
      then: {...options, properties: {...(options.properties as object | undefined), ...CORE_OPTIONS}},
    }
  })
  return {
    type: 'object',
    additionalProperties: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type'],
        properties: {type: {type: 'string', enum: [...registry.byType.keys()]}},
        allOf: branches,
      },
    },
  }
}

export function validateSchemeConfig(raw: RawSchemeConfig, registry: SchemeRegistry): SchemeConfig {
  const ajv = new Ajv({allErrors: true, strict: false, verbose: true})
  const validate = ajv.compile(buildConfigSchema(registry))
  if (validate(raw.data)) return raw.data as SchemeConfig
  const problems = withoutNoise(validate.errors ?? []).map((e) => describe(raw.file, e, registry))
  const unique = [...new Map(problems.map((p) => [p.message, p])).values()]
  if (unique.length === 1) throw unique[0]
  throw new UsageError(
    `${raw.file} has ${unique.length} problems:\n${unique.map((p) => `  - ${p.message}`).join('\n')}`,
    unique.flatMap((p) => p.suggestions),
  )
}

/**
 * `if` only says that a `then` branch failed (the branch's own errors say what), and a `oneOf`
 * of `required` alternatives is reported once, as a choice, not as each branch's failure.
 */
function withoutNoise(errors: ErrorObject[]): ErrorObject[] {
  const choices = errors.filter((e) => e.keyword === 'oneOf' && requiredAlternatives(e) !== undefined)
  return errors.filter(
    (e) => e.keyword !== 'if' && !choices.some((c) => c !== e && c.instancePath === e.instancePath && e.schemaPath.startsWith(`${c.schemaPath}/`)),
  )
}

/** The property names of a `oneOf: [{required: [a]}, {required: [b]}]`, else undefined. */
function requiredAlternatives(error: ErrorObject): string[] | undefined {
  const branches = error.schema as Array<Record<string, unknown>> | undefined
  if (!Array.isArray(branches)) return undefined
  const names = branches.map((b) => (Object.keys(b).length === 1 && Array.isArray(b.required) && b.required.length === 1 ? String(b.required[0]) : undefined))
  return names.every((n) => n !== undefined) ? (names as string[]) : undefined
}

function describe(file: string, error: ErrorObject, registry: SchemeRegistry): ConfigError {
  const path = pointerToPath(error.instancePath)
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty)
      const allowed = Object.keys((error.parentSchema?.properties as object | undefined) ?? {}).filter((k) => k !== 'type')
      return new ConfigError(file, joinPath(path, key), `unknown option "${key}"`, [
        allowed.length > 0 ? `allowed options here: ${allowed.join(', ')}` : 'remove it',
      ])
    }
    case 'required':
      return new ConfigError(file, path, `missing required option "${String(params.missingProperty)}"`)
    case 'enum':
      if (path.endsWith('.type')) return unknownType(file, path, error.data, registry)
      return new ConfigError(file, path, `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`)
    case 'type':
      return new ConfigError(file, path, `must be ${describeType(String(params.type), path)}`)
    case 'oneOf': {
      const names = requiredAlternatives(error)
      if (names) return new ConfigError(file, path, `give exactly one of ${names.map((n) => `"${n}"`).join(' or ')}`)
      return new ConfigError(file, path, error.message ?? 'is not valid')
    }
    default:
      return new ConfigError(file, path, error.message ?? 'is not valid')
  }
}

function unknownType(file: string, path: string, type: unknown, registry: SchemeRegistry): ConfigError {
  const installed = registry.list.map((l) => l.scheme.type).join(', ') || 'none'
  const refused = registry.failures.find((f) => f.type === type)
  if (refused) {
    return new ConfigError(file, path, `the plugin ${refused.plugin} provides the scheme type ${JSON.stringify(type)}, but it could not be loaded: ${refused.error}`, [
      `update or reinstall ${refused.plugin}`,
    ])
  }
  const pkg = typeof type === 'string' ? KNOWN_SCHEME_PACKAGES[type] : undefined
  const hint = pkg
    ? `install the plugin that provides it: backupbot plugins:install ${pkg}`
    : `install the plugin that provides it with backupbot plugins:install <package>, or use an installed type`
  return new ConfigError(file, path, `no installed plugin provides the scheme type ${JSON.stringify(type)} (installed: ${installed})`, [hint])
}

function describeType(type: string, path: string): string {
  if (path === '') return 'an object mapping service or container names to lists of schemes'
  if (type === 'array' && !path.includes('[')) return 'a list of schemes, e.g. [{"type": "backup_host_directories", "directories": ["all"]}]'
  return type === 'object' ? 'an object' : `a${/^[aeiou]/.test(type) ? 'n' : ''} ${type}`
}

/** `/db/2/password` -> `db[2].password` */
export function pointerToPath(pointer: string): string {
  if (pointer === '') return ''
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((acc, segment) => (/^\d+$/.test(segment) ? `${acc}[${segment}]` : joinPath(acc, segment)), '')
}

function joinPath(base: string, key: string): string {
  const safe = /^[A-Za-z_][\w-]*$/.test(key) ? key : JSON.stringify(key)
  if (base === '') return safe
  return /^[A-Za-z_]/.test(safe) ? `${base}.${safe}` : `${base}[${safe}]`
}
