// A service read from another directory than the project's (a file named by `extends`, an
// included project) has relative paths that mean that directory: Compose resolves them there
// before merging, so they are made absolute here, before the loader resolves the rest against
// the project directory.
import {isAbsolute, resolve} from 'node:path'

import {isMapping} from './interpolate.js'
import {isHostPath, splitShortSyntax} from './volumes.js'

/** The service with its bind-mount sources and `env_file` paths made absolute against `directory`. */
export function rebasePaths(service: Record<string, unknown>, directory: string): Record<string, unknown> {
  const out = {...service}
  if (Array.isArray(out.volumes)) out.volumes = out.volumes.map((entry) => rebaseMount(entry, directory))
  if (typeof out.env_file === 'string') out.env_file = rebase(out.env_file, directory)
  else if (Array.isArray(out.env_file)) out.env_file = out.env_file.map((entry) => rebaseEnvFile(entry, directory))
  return out
}

/** `~` is left for the loader to expand; an empty source is the directory itself, as in Compose v1. */
function rebase(path: string, directory: string): string {
  return path.startsWith('~') || isAbsolute(path) ? path : resolve(directory, path)
}

function rebaseMount(entry: unknown, directory: string): unknown {
  if (typeof entry === 'string') {
    const {source, target, mode} = splitShortSyntax(entry)
    if (source === undefined || !isHostPath(source)) return entry
    return [rebase(source, directory), target, ...(mode === undefined ? [] : [mode])].join(':')
  }
  if (!isMapping(entry) || typeof entry.source !== 'string') return entry
  const bind = entry.type === 'bind' || (entry.type === undefined && entry.source !== '' && isHostPath(entry.source))
  return bind ? {...entry, source: rebase(entry.source, directory)} : entry
}

function rebaseEnvFile(entry: unknown, directory: string): unknown {
  if (typeof entry === 'string') return rebase(entry, directory)
  if (isMapping(entry) && typeof entry.path === 'string') return {...entry, path: rebase(entry.path, directory)}
  return entry
}
