// The installed schemes, by type: what config validation, planning, backup, restore and verify
// look schemes up in. Pure: how plugins deliver their schemes (the oclif hook) is
// src/plugins/load-schemes.ts's business; this module only checks and indexes them.
import type {SchemeDefinition} from '../scheme.js'

export interface LoadedScheme {
  scheme: SchemeDefinition<any, any>
  /** The npm package of the plugin that registered it. */
  plugin: string
}

export interface SchemeRegistry {
  /** By type and by alias. */
  byType: ReadonlyMap<string, LoadedScheme>
  /** Distinct schemes, sorted by type. */
  list: LoadedScheme[]
  /** Plugins (or their schemes) that could not be loaded; `type` when a scheme named one. */
  failures: Array<{plugin: string; error: string; type?: string}>
}

// First-party scheme types and the package that provides each, so that a config naming a
// scheme that is not installed can say what to install.
export const KNOWN_SCHEME_PACKAGES: Readonly<Record<string, string>> = {
  backup_host_directories: '@backupbot/plugin-host-directories',
  backup_volume: '@backupbot/plugin-volumes',
  backup_volumes: '@backupbot/plugin-volumes',
  backup_mysql: '@backupbot/plugin-mysql',
  backup_postgres: '@backupbot/plugin-postgres',
}

export function registryFrom(loaded: LoadedScheme[], earlierFailures: SchemeRegistry['failures'] = []): SchemeRegistry {
  const failures = [...earlierFailures]
  const byType = new Map<string, LoadedScheme>()
  for (const entry of loaded) {
    for (const name of [entry.scheme.type, ...(entry.scheme.aliases ?? [])]) {
      const holder = byType.get(name)
      if (holder) failures.push({plugin: entry.plugin, error: `scheme type ${name} is already provided by ${holder.plugin}`})
      else byType.set(name, entry)
    }
  }
  const list = [...new Set(byType.values())].sort((a, b) => a.scheme.type.localeCompare(b.scheme.type))
  return {byType, list, failures}
}

/** The scheme contract version this core implements (SchemeDefinition.apiVersion in src/scheme.ts). */
const SCHEME_API_VERSION = 2

// Duck-typed on purpose: `instanceof` does not work across separately installed plugins.
export function schemeProblem(value: unknown): string | undefined {
  const s = value as Partial<SchemeDefinition>
  if (!s || typeof s !== 'object') return 'hook returned a non-object scheme'
  if (typeof s.type !== 'string' || !/^[a-z][a-z0-9_]*$/.test(s.type)) return `scheme type ${String(s.type)} is not a lower_snake_case name`
  if (s.apiVersion !== SCHEME_API_VERSION) {
    return `scheme ${s.type} has apiVersion ${String(s.apiVersion)}, but this backupbot supports only apiVersion ${SCHEME_API_VERSION} (the scheme contract of docs/writing-a-scheme-plugin.md): install a version of the plugin made for it`
  }
  if (typeof s.plan !== 'function' || typeof s.backup !== 'function') return `scheme ${s.type} lacks plan() or backup()`
  if (!s.optionsSchema || typeof s.optionsSchema !== 'object') return `scheme ${s.type} has no optionsSchema`
  return undefined
}

/** One installed scheme, as `backupbot schemes --json` lists it. */
export interface SchemeListing {
  type: string
  aliases: string[]
  plugin: string
  description: string
}

export interface SchemesListing {
  schemes: SchemeListing[]
  failures: SchemeRegistry['failures']
}

/** Every installed scheme, sorted by type, and the plugins that failed to provide theirs. */
export function listSchemes(registry: SchemeRegistry): SchemesListing {
  const schemes = registry.list.map(({scheme, plugin}) => ({type: scheme.type, aliases: scheme.aliases ?? [], plugin, description: scheme.description}))
  return {schemes, failures: registry.failures}
}
