// Collects the schemes every installed plugin registers through the `backupbot:schemes` hook.
// A plugin whose hook fails, or returns something that is not a scheme, is reported and left
// out; the other plugins still load. The registry itself is src/schemes/registry.ts.
import type {Config} from '@oclif/core'

import type {SchemesHookResult} from '../scheme.js'
import {type LoadedScheme, registryFrom, schemeProblem, type SchemeRegistry} from '../schemes/registry.js'

declare module '@oclif/core' {
  interface Hooks {
    'backupbot:schemes': {options: Record<string, never>; return: SchemesHookResult}
  }
}

export async function loadSchemes(config: Config): Promise<SchemeRegistry> {
  const {successes, failures} = await config.runHook('backupbot:schemes', {}, 10_000, true)
  const reported = failures.map((f) => ({plugin: f.plugin.name, error: f.error.message}))
  const loaded: LoadedScheme[] = []
  for (const {plugin, result} of successes) {
    for (const scheme of Array.isArray(result) ? result : [result]) {
      const problem = schemeProblem(scheme)
      const type = (scheme as {type?: unknown} | null)?.type
      if (problem) reported.push({plugin: plugin.name, error: problem, ...(typeof type === 'string' ? {type} : {})})
      else loaded.push({scheme, plugin: plugin.name})
    }
  }
  return registryFrom(loaded, reported)
}
