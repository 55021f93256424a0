// Merges compose files like `docker compose -f a -f b`: mappings deep-merge (later wins),
// a service's `volumes` merge by container path, `environment` and `labels` (list or map) by key, `command`,
// `entrypoint` and `healthcheck.test` are replaced, `ports`, `dns`, `env_file`... are united
// without duplicates, other sequences concatenate.
import {childPath, isMapping, lookup, setOwn} from './interpolate.js'
import {mountTarget} from './volumes.js'

export interface ComposeDocument {
  file: string
  /** The file's parsed and interpolated top-level mapping. */
  data: Record<string, unknown>
  /** Where each service's volume entries came from, when not from `file` itself (an included project). */
  mountOrigins?: Map<string, Origin[]>
}

/** Where a merged volume entry was written, for error messages. */
export interface Origin {
  file: string
  path: string
}

export interface MergedCompose {
  data: Record<string, unknown>
  /** Per service, the origin of each entry of its merged `volumes`. */
  mountOrigins: Map<string, Origin[]>
}

const REPLACED = new Set(['command', 'entrypoint'])
/** Sequences Compose keeps without duplicates; some of them may also be written as one string. */
const UNIQUE = new Set(['ports', 'expose', 'cap_add', 'cap_drop', 'external_links', 'dns', 'dns_search', 'env_file', 'tmpfs'])

export function mergeDocuments(docs: ComposeDocument[]): MergedCompose {
  const data: Record<string, unknown> = {}
  const mountOrigins = new Map<string, Origin[]>()
  for (const {file, data: doc, mountOrigins: docOrigins} of docs) {
    for (const [key, value] of Object.entries(doc)) {
      if (key === 'services' && isMapping(value)) {
        const services: Record<string, unknown> = isMapping(data.services) ? {...data.services} : {}
        for (const [name, service] of Object.entries(value)) {
          const existing = lookup(services, name)
          const base = isMapping(existing) ? {definition: existing, origins: mountOrigins.get(name) ?? []} : undefined
          const definition = service as Record<string, unknown>
          const origins = docOrigins?.get(name) ?? volumeOrigins(definition, file, childPath(childPath('services', name), 'volumes'))
          const merged = mergeService(base, {definition, origins})
          setOwn(services, name, merged.definition)
          mountOrigins.set(name, merged.origins)
        }
        data.services = services
      } else {
        setOwn(data, key, deepMerge(lookup(data, key), value))
      }
    }
  }
  return {data, mountOrigins}
}

/** Later wins; a null never erases what an earlier file set (an empty `db:` just declares). */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined || over === null) return base === undefined ? over : base
  if (isMapping(base) && isMapping(over)) {
    const out: Record<string, unknown> = {...base}
    for (const [key, value] of Object.entries(over)) setOwn(out, key, deepMerge(lookup(base, key), value))
    return out
  }
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...over]
  return over
}

/** A service definition with the origin of each of its `volumes` entries. */
export interface ServiceWithOrigins {
  definition: Record<string, unknown>
  origins: Origin[]
}

/** The origins of a service's own volume entries, written at `path` in `file`. */
export function volumeOrigins(definition: Record<string, unknown>, file: string, path: string): Origin[] {
  return asArray(definition.volumes).map((_, i) => ({file, path: childPath(path, i)}))
}

/** One service over another, by the rules above (also how `extends` merges, see extends.ts). */
export function mergeService(base: ServiceWithOrigins | undefined, over: ServiceWithOrigins): ServiceWithOrigins {
  const out: Record<string, unknown> = {...base?.definition}
  let origins = base?.origins ?? []
  for (const [key, value] of Object.entries(over.definition)) {
    if (key === 'volumes' && Array.isArray(value)) {
      const merged = mergeMounts(asArray(out.volumes), origins, value, over.origins)
      out.volumes = merged.entries
      origins = merged.origins
    } else if (key === 'environment' || key === 'labels') {
      setOwn(out, key, {...environmentMap(lookup(out, key)), ...environmentMap(value)})
    } else if (REPLACED.has(key)) {
      setOwn(out, key, value ?? lookup(out, key))
    } else if (UNIQUE.has(key) && value !== null && value !== undefined) {
      setOwn(out, key, uniqueUnion(lookup(out, key), value))
    } else if (key === 'healthcheck' && isMapping(value) && isMapping(out.healthcheck)) {
      const merged = deepMerge(out.healthcheck, value) as Record<string, unknown>
      if (value.test !== undefined && value.test !== null) merged.test = value.test
      out.healthcheck = merged
    } else {
      setOwn(out, key, deepMerge(lookup(out, key), value))
    }
  }
  return {definition: out, origins}
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

function uniqueUnion(base: unknown, over: unknown): unknown[] {
  const seen = new Set<string>()
  return [base, over]
    .flatMap((value) => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]))
    .filter((item) => {
      const key = JSON.stringify(item)
      return !seen.has(key) && Boolean(seen.add(key))
    })
}

/** `/data/` and `/data` are the same mount point. */
function targetKey(entry: unknown): string | undefined {
  const target = mountTarget(entry)
  return target && target.length > 1 ? target.replace(/\/+$/, '') || '/' : target
}

function mergeMounts(base: unknown[], baseOrigins: Origin[], over: unknown[], overOrigins: Origin[]) {
  const entries = [...base]
  const origins = [...baseOrigins]
  over.forEach((entry, i) => {
    const origin = overOrigins[i]
    const key = targetKey(entry)
    // Only entries from earlier files are replaced: a file does not override itself.
    const at = key === undefined ? -1 : base.findIndex((b) => targetKey(b) === key)
    if (at >= 0) {
      entries[at] = entry
      origins[at] = origin
    } else {
      entries.push(entry)
      origins.push(origin)
    }
  })
  return {entries, origins}
}

/**
 * `environment` in map form. `KEY` alone (list) or `KEY:` (map) stays null: it means "take it
 * from the environment" and is resolved by the loader. Scalars become strings.
 */
export function environmentMap(value: unknown): Record<string, string | null> {
  const out: Record<string, string | null> = {}
  if (Array.isArray(value)) {
    for (const item of value) {
      const text = String(item)
      const eq = text.indexOf('=')
      if (eq < 0) setOwn(out, text, null)
      else setOwn(out, text.slice(0, eq), text.slice(eq + 1))
    }
  } else if (isMapping(value)) {
    for (const [key, item] of Object.entries(value)) setOwn(out, key, item === null || item === undefined ? null : String(item))
  }
  return out
}
