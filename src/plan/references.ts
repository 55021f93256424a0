// Key references in scheme options (the seed's `db.environment.MYSQL_PASSWORD`): a value whose
// first dotted segment names a service (or its container_name) of the project is a reference
// into that service's definition; anything else is a literal. A reference that cannot be
// resolved is an error, never silently taken as a literal.
import type {ProjectModel, ServiceModel} from '../config/compose/model.js'

/** Reads a container's environment from the engine; undefined when the service has none. */
export type ContainerEnvironmentLookup = (service: string) => Promise<Record<string, string> | undefined>

export class UnresolvedReferenceError extends Error {}

export function createResolver(project: ProjectModel, containerEnvironment: ContainerEnvironmentLookup) {
  return async function resolve(value: string): Promise<string> {
    const [head, ...rest] = value.split('.')
    const service = findService(project, head)
    if (!service || rest.length === 0) return value
    const fromModel = lookup(service, rest)
    if (fromModel !== undefined) return fromModel
    if (rest[0] === 'environment' && rest.length === 2) {
      const env = await containerEnvironment(service.name)
      const fromContainer = env?.[rest[1]]
      if (fromContainer !== undefined) return fromContainer
    }
    throw new UnresolvedReferenceError(
      `the reference "${value}" cannot be resolved: service ${service.name} has no ${rest.join('.')} in the compose files` +
        (rest[0] === 'environment' ? ' nor in its container' : ''),
    )
  }
}

function findService(project: ProjectModel, name: string): ServiceModel | undefined {
  return project.services[name] ?? Object.values(project.services).find((s) => s.containerName === name)
}

function lookup(service: ServiceModel, path: string[]): string | undefined {
  // `environment` may be a list in the file; the model holds it as a map.
  let node: unknown = path[0] === 'environment' ? {environment: service.environment} : service.definition
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[key]
  }
  if (typeof node === 'string') return node
  if (typeof node === 'number' || typeof node === 'boolean') return String(node)
  return undefined
}
