// What the plugins' answers to one of backupbot's hooks hold, flattened: each value a plugin
// returned (a scheme, a store definition), with the plugin's name, and the plugins whose hook
// failed. Checking the values is each loader's business.
import type {Config} from '@oclif/core'

export interface HookFailure {
  /** The npm package of the plugin. */
  plugin: string
  error: string
}

export async function hookResults(
  config: Config,
  hook: 'backupbot:schemes' | 'backupbot:stores',
): Promise<{values: Array<{plugin: string; value: unknown}>; failures: HookFailure[]}> {
  const {successes, failures} = await config.runHook(hook, {}, 10_000, true)
  const values = successes.flatMap(({plugin, result}) => (Array.isArray(result) ? result : [result]).map((value: unknown) => ({plugin: plugin.name, value})))
  return {values, failures: failures.map((f) => ({plugin: f.plugin.name, error: f.error.message}))}
}
