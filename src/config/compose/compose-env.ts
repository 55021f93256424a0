// What Compose takes from its environment before it reads a file: COMPOSE_FILE (split on
// COMPOSE_PATH_SEPARATOR) when no -f is given, the project directory (--project-directory, else
// the first compose file's), and the env files for interpolation (--env-file, else its `.env`).
import {delimiter, dirname, resolve} from 'node:path'

import {UsageError} from '../../errors.js'
import {interpolationEnv, readDotenvFile} from './dotenv.js'
import type {Env} from './interpolate.js'

/** COMPOSE_FILE's list, relative paths against cwd; undefined when it is unset or empty. */
export function composeFilesFromEnv(env: Env, cwd: string): string[] | undefined {
  // Compose's default separator is the OS's path list separator (`:` on Linux, `;` on Windows).
  const separator = env.COMPOSE_PATH_SEPARATOR || delimiter
  const files = (env.COMPOSE_FILE ?? '').split(separator).filter((file) => file !== '')
  return files.length > 0 ? files.map((file) => resolve(cwd, file)) : undefined
}

/** --project-directory (against cwd), else the directory of the first compose file, as Compose. */
export function projectDirectory(option: string | undefined, cwd: string, configFiles: string[]): string {
  return option ? resolve(cwd, option) : dirname(configFiles[0])
}

/**
 * The variables Compose interpolates with: the env files overlaid by the process environment
 * (process wins). --env-file replaces the project's `.env`; several are read in order, later
 * ones winning (Compose v2; v1 takes one). A given --env-file must exist, `.env` may not.
 */
export async function composeEnv(directory: string, envFiles: string[], processEnv: Env): Promise<Record<string, string>> {
  const files = envFiles.length > 0 ? envFiles.map((file) => ({file, required: true})) : [{file: resolve(directory, '.env'), required: false}]
  let dotenv: Record<string, string> = {}
  for (const {file, required} of files) {
    const values = await readDotenvFile(file)
    if (values === undefined && required) throw new UsageError(`--env-file ${file} not found`)
    dotenv = {...dotenv, ...values}
  }
  return interpolationEnv(dotenv, processEnv)
}
