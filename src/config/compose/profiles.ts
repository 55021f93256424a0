// Compose profiles: a service with `profiles:` is part of the project only when one of its
// profiles is active (--profile, else COMPOSE_PROFILES), when `*` is active (Compose v2), or when
// it is named on the command line (Compose enables a named service's profiles). A service
// without `profiles:` is always in.
import {ConfigError} from '../../errors.js'
import {childPath, type Env, isMapping, setOwn} from './interpolate.js'

/** A service the active profiles leave out of the project. */
export interface LeftOutService {
  /** Its `profiles:`, none of them active. */
  profiles: string[]
  containerName?: string
}

/** --profile flags, else COMPOSE_PROFILES (process environment or `.env`), comma separated. */
export function activeProfiles(flags: string[] | undefined, env: Env): string[] {
  if (flags && flags.length > 0) return flags
  return (env.COMPOSE_PROFILES ?? '')
    .split(',')
    .map((profile) => profile.trim())
    .filter((profile) => profile !== '')
}

/** Checks one file's `profiles:` of a service, so the error names the file that holds it. */
export function checkProfiles(definition: Record<string, unknown>, service: string, file: string): void {
  const {profiles} = definition
  if (profiles === undefined || profiles === null) return
  if (!Array.isArray(profiles) || !profiles.every((p) => typeof p === 'string')) {
    throw new ConfigError(file, childPath(childPath('services', service), 'profiles'), 'profiles: must be a list of profile names')
  }
}

/** Whether a service with these profiles is part of the project. */
export function isEnabled(profiles: string[], active: string[], named: boolean): boolean {
  return named || profiles.length === 0 || active.includes('*') || profiles.some((p) => active.includes(p))
}

/** The merged services split into those the profiles enable and those they leave out. */
export function selectByProfiles(
  services: Record<string, unknown>,
  active: string[],
  named: string[],
): {enabled: string[]; leftOut: Record<string, LeftOutService>} {
  const enabled: string[] = []
  const leftOut: Record<string, LeftOutService> = {}
  for (const [name, definition] of Object.entries(services)) {
    const raw = isMapping(definition) ? definition : {}
    // Checked per file (checkProfiles); merged lists concatenate.
    const profiles = Array.isArray(raw.profiles) ? (raw.profiles as string[]) : []
    if (isEnabled(profiles, active, named.includes(name))) {
      enabled.push(name)
      continue
    }
    const entry: LeftOutService = {profiles}
    if (typeof raw.container_name === 'string') entry.containerName = raw.container_name
    setOwn(leftOut, name, entry)
  }
  return {enabled, leftOut}
}

/** The left-out service a scheme config key names (by service or container name), if any. */
export function findLeftOut(leftOut: Record<string, LeftOutService> | undefined, key: string): {name: string; profiles: string[]} | undefined {
  const found = Object.entries(leftOut ?? {}).find(([name, s]) => name === key || s.containerName === key)
  return found && {name: found[0], profiles: found[1].profiles}
}
