// The scheme config file, read and validated once per command: its scheme entries for planning
// and its run settings (`$settings`) for backup.
import type {SchemeRegistry} from '../../schemes/registry.js'
import {readSchemeConfig} from './read-config.js'
import {type ConfigFile, validateConfigFile} from './validate-config.js'

/** Undefined when no file is given and none of the default names exists (zero-config). */
export async function loadConfigFile(option: string | undefined, cwd: string, registry: SchemeRegistry): Promise<ConfigFile | undefined> {
  const raw = await readSchemeConfig(option, cwd)
  return raw && validateConfigFile(raw, registry)
}
