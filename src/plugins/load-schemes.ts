// Collects the schemes every installed plugin registers through the `backupbot:schemes` hook.
// A plugin whose hook fails, or returns something that is not a scheme, is reported and left
// out; the other plugins still load.
import type {Config} from '@oclif/core'

import type {SchemeDefinition, SchemesHookResult} from '../scheme.js'

declare module '@oclif/core' {
  interface Hooks {
    'backupbot:schemes': {options: Record<string, never>; return: SchemesHookResult}
  }
}

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
  failures: Array<{plugin: string; error: string}>
}

export async function loadSchemes(config: Config): Promise<SchemeRegistry> {
  const {successes, failures} = await config.runHook('backupbot:schemes', {}, 10_000, true)
  const reported = failures.map((f) => ({plugin: f.plugin.name, error: f.error.message}))
  const loaded: LoadedScheme[] = []
  for (const {plugin, result} of successes) {
    for (const scheme of Array.isArray(result) ? result : [result]) {
      const problem = schemeProblem(scheme)
      if (problem) reported.push({plugin: plugin.name, error: problem})
      else loaded.push({scheme, plugin: plugin.name})
    }
  }
  return registryFrom(loaded, reported)
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

// Duck-typed on purpose: `instanceof` does not work across separately installed plugins.
export function schemeProblem(value: unknown): string | undefined {
  const s = value as Partial<SchemeDefinition>
  if (!s || typeof s !== 'object') return 'hook returned a non-object scheme'
  if (typeof s.type !== 'string' || !/^[a-z][a-z0-9_]*$/.test(s.type)) return `scheme type ${String(s.type)} is not a lower_snake_case name`
  if (s.apiVersion !== 1) return `scheme ${s.type} has apiVersion ${String(s.apiVersion)}; this backupbot supports 1`
  if (typeof s.plan !== 'function' || typeof s.backup !== 'function') return `scheme ${s.type} lacks plan() or backup()`
  if (!s.optionsSchema || typeof s.optionsSchema !== 'object') return `scheme ${s.type} has no optionsSchema`
  return undefined
}
