// Validates the scheme config file against one schema assembled from the core's structure, every
// installed scheme's own options schema and the run settings' schema (`$settings`). All problems
// are reported at once, each with the file, the path inside it (`db[2].password`,
// `$settings.notify.webhooks[0].url`) and what to do. Nothing is touched before this passes.
import type {ErrorObject} from 'ajv'

import {COMPRESSIONS, type Compression} from '../../archive/compression.js'
import {ConfigError, UsageError} from '../../errors.js'
import type {JsonSchema} from '../../scheme.js'
import {optionsSchemaOf} from '../../schemes/options-schema.js'
import {KNOWN_SCHEME_PACKAGES, type SchemeRegistry} from '../../schemes/registry.js'
import {SETTINGS_FORMATS, type SettingsFormatName, settingsAjv} from '../settings/formats.js'
import {settingsSchema} from '../settings/schema.js'
import {SETTINGS_KEY, type Settings} from '../settings/types.js'
import type {RawSchemeConfig} from './read-config.js'

/** An editor's pointer to the published schema; allowed beside `$settings` and ignored. */
const SCHEMA_KEY = '$schema'

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

/** The validated config file: its scheme entries (without the `$` keys) and its run settings. */
export interface ConfigFile {
  /** Shown in errors: the path as given, or `<stdin>`. */
  file: string
  scheme: SchemeConfig
  /** Undefined when the file has no `$settings`. */
  settings?: Settings
}

/**
 * The JSON Schema (draft-07, what ajv validates by default and editors know best) of the whole
 * file: the installed schemes' entries under service or container names, `$settings` and
 * `$schema`. Any other key starting with `$` is refused: no compose name can start with one, so
 * it is a misspelt reserved key.
 */
export function buildConfigSchema(registry: SchemeRegistry): JsonSchema {
  // Sorted: plugins load in parallel, and the printed schema should not change between runs.
  const schemes = registry.list.map((l) => l.scheme).sort((a, b) => a.type.localeCompare(b.type))
  const branches = schemes.map((scheme) => {
    const options = optionsSchemaOf(scheme)
    return {
      if: {properties: {type: {enum: [scheme.type, ...(scheme.aliases ?? [])]}}, required: ['type']},
      then: {...options, properties: {...(options.properties as object | undefined), ...CORE_OPTIONS}},
    }
  })
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'urn:backupbot:config',
    title: 'backupbot scheme config',
    description: `Compose service or container names, each with the list of schemes that back it up; ${SETTINGS_KEY}: the run settings.`,
    type: 'object',
    properties: {
      [SETTINGS_KEY]: settingsSchema,
      [SCHEMA_KEY]: {type: 'string', description: 'The JSON Schema of this file, for editors (backupbot config schema > backupbot.schema.json); ignored by backupbot.'},
    },
    patternProperties: {[`^\\$(?!(${SETTINGS_KEY.slice(1)}|${SCHEMA_KEY.slice(1)})$)`]: false},
    additionalProperties: {
      type: 'array',
      description: 'A compose service or container name: the schemes that back it up.',
      items: {
        type: 'object',
        required: ['type'],
        properties: {type: {type: 'string', enum: [...registry.byType.keys()].sort(), description: 'The scheme (backupbot schemes lists the installed ones).'}},
        allOf: branches,
      },
    },
  }
}

/** Validates the whole file at once: scheme entries, `$settings`, `$schema`. */
export function validateConfigFile(raw: RawSchemeConfig, registry: SchemeRegistry): ConfigFile {
  const validate = settingsAjv().compile(buildConfigSchema(registry))
  if (validate(raw.data)) {
    const {[SETTINGS_KEY]: settings, [SCHEMA_KEY]: _schema, ...scheme} = raw.data as Record<string, unknown>
    return {file: raw.file, scheme: scheme as SchemeConfig, ...(settings === undefined ? {} : {settings: settings as Settings})}
  }
  const problems = withoutNoise(validate.errors ?? []).map((e) => describe(raw.file, e, registry))
  const unique = [...new Map(problems.map((p) => [p.message, p])).values()]
  if (unique.length === 1) throw unique[0]
  throw new UsageError(
    `${raw.file} has ${unique.length} problems:\n${unique.map((p) => `  - ${p.message}`).join('\n')}`,
    [...new Set(unique.flatMap((p) => p.suggestions))],
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
  const inSettings = path.startsWith(SETTINGS_KEY)
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty)
      const allowed = Object.keys((error.parentSchema?.properties as object | undefined) ?? {}).filter((k) => k !== 'type')
      return new ConfigError(file, joinPath(path, key), `unknown ${inSettings ? 'setting' : 'option'} "${key}"`, [
        allowed.length > 0 ? `allowed ${inSettings ? 'keys' : 'options'} here: ${allowed.join(', ')}` : 'remove it',
      ])
    }
    case 'false schema':
      return new ConfigError(file, path, 'keys starting with $ are reserved: this one means nothing', [
        `the run settings go under ${SETTINGS_KEY} (and ${SCHEMA_KEY} names the file's JSON Schema); compose service and container names never start with $`,
      ])
    case 'required': {
      const missing = String(params.missingProperty)
      const runExec = inSettings && missing === 'service' && /^\$settings\.hooks\.\w+\[\d+\]$/.test(path)
      return new ConfigError(file, path, `missing required option "${missing}"`, runExec ? [
        "a run hook's exec belongs to no service: name the compose service whose running container runs it, e.g. service: web",
      ] : [])
    }
    case 'dependencies':
      return new ConfigError(file, joinPath(path, String(params.property)), `is given without "${String(params.missingProperty)}"`, [
        `${String(params.property)} only goes with ${String(params.missingProperty)}: remove it, or use ${String(params.missingProperty)}`,
      ])
    case 'format': {
      const format = SETTINGS_FORMATS[params.format as SettingsFormatName]
      return new ConfigError(file, path, format?.problem(String(error.data)) ?? error.message ?? 'is not valid', format ? [format.hint] : [])
    }
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
  if (type === 'array' && !path.includes('[') && !path.startsWith('$')) return 'a list of schemes, e.g. [{"type": "backup_host_directories", "directories": ["all"]}]'
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
  // `$` too: `$settings.notify`, as the file spells it.
  const safe = /^[A-Za-z_$][\w-]*$/.test(key) ? key : JSON.stringify(key)
  if (base === '') return safe
  return /^[A-Za-z_$]/.test(safe) ? `${base}.${safe}` : `${base}[${safe}]`
}
