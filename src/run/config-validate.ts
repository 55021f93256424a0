// `backupbot config validate` as a library call: it reads only the scheme config file and the
// installed schemes; no compose project, no Docker engine, nothing touched.
import {loadConfigFile} from '../config/scheme/load-config.js'
import {DEFAULT_CONFIG_NAMES} from '../config/scheme/read-config.js'
import {UsageError} from '../errors.js'
import type {SchemeRegistry} from '../schemes/registry.js'
import type {ConfigValidateResult} from './result.js'

/** Throws the file's problems (exit 2), as backup would; a missing file is one too. */
export async function validateConfig(option: string | undefined, cwd: string, registry: SchemeRegistry): Promise<ConfigValidateResult> {
  const config = await loadConfigFile(option, cwd, registry)
  if (!config) {
    throw new UsageError(`no scheme config to validate: none of ${DEFAULT_CONFIG_NAMES.join(', ')} is in ${cwd}`, [
      'name the file with --config FILE (--config - reads standard input), or run this in the folder that holds it',
    ])
  }
  return {valid: true, file: config.file, services: Object.keys(config.scheme), settings: config.settings !== undefined}
}
