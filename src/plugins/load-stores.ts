// Collects the kinds of store every installed plugin registers through the `backupbot:stores`
// hook (`restic` for `--target restic:<repo>`). A plugin whose hook fails, or returns something
// that is not a store definition, is reported and left out; the other plugins still load. Which
// store a target opens is src/run/open-store.ts's business.
import type {Config} from '@oclif/core'

import type {LoadedStore, StoreRegistry} from '../run/open-store.js'
import type {StoreDefinition, StoresHookResult} from '../store.js'
import {hookResults} from './hook-results.js'

declare module '@oclif/core' {
  interface Hooks {
    'backupbot:stores': {options: Record<string, never>; return: StoresHookResult}
  }
}

/** The store contract version this core implements (StoreDefinition.apiVersion in src/store.ts). */
const STORE_API_VERSION = 1

export async function loadStores(config: Config): Promise<StoreRegistry> {
  const {values, failures} = await hookResults(config, 'backupbot:stores')
  const byPrefix = new Map<string, LoadedStore>()
  for (const {plugin, value} of values) {
    const problem = storeProblem(value)
    const holder = problem ? undefined : byPrefix.get((value as StoreDefinition).prefix)
    if (problem) failures.push({plugin, error: problem})
    else if (holder) failures.push({plugin, error: `store prefix ${holder.definition.prefix}: is already provided by ${holder.plugin}`})
    else byPrefix.set((value as StoreDefinition).prefix, {definition: value as StoreDefinition, plugin})
  }
  return {byPrefix, failures}
}

// Duck-typed on purpose: `instanceof` does not work across separately installed plugins.
function storeProblem(value: unknown): string | undefined {
  const s = value as Partial<StoreDefinition> | null
  if (!s || typeof s !== 'object') return 'hook returned a non-object store definition'
  if (typeof s.prefix !== 'string' || !/^[a-z][a-z0-9-]+$/.test(s.prefix)) {
    return `store prefix ${String(s.prefix)} is not a lower-case name of two or more letters, digits and dashes`
  }
  if (s.apiVersion !== STORE_API_VERSION) {
    return `store ${s.prefix} has apiVersion ${String(s.apiVersion)}, but this backupbot supports only apiVersion ${STORE_API_VERSION} (the store contract of src/store.ts): install a version of the plugin made for it`
  }
  if (typeof s.open !== 'function') return `store ${s.prefix} lacks open()`
  return undefined
}
