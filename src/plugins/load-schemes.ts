// Collects the schemes every installed plugin registers through the `backupbot:schemes` hook.
// A plugin whose hook fails, or returns something that is not a scheme, is reported and left
// out; the other plugins still load. The registry itself is src/schemes/registry.ts.
import type {Config} from '@oclif/core'

import type {SchemesHookResult} from '../scheme.js'
import {type LoadedScheme, registryFrom, schemeProblem, type SchemeRegistry} from '../schemes/registry.js'
import {hookResults} from './hook-results.js'

declare module '@oclif/core' {
  interface Hooks {
    'backupbot:schemes': {options: Record<string, never>; return: SchemesHookResult}
  }
}

export async function loadSchemes(config: Config): Promise<SchemeRegistry> {
  const {values, failures} = await hookResults(config, 'backupbot:schemes')
  const reported: SchemeRegistry['failures'] = failures
  const loaded: LoadedScheme[] = []
  for (const {plugin, value: scheme} of values) {
    const problem = schemeProblem(scheme)
    const type = (scheme as {type?: unknown} | null)?.type
    if (problem) reported.push({plugin, error: problem, ...(typeof type === 'string' ? {type} : {})})
    else loaded.push({scheme: scheme as LoadedScheme['scheme'], plugin})
  }
  return registryFrom(loaded, reported)
}
