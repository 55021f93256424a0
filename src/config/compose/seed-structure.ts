// The project reduced to the seed's `parse_config()` structure (host directories and named
// volumes per service), plus every mount in detail under `mounts`.
import type {MountModel, ProjectModel} from './model.js'

export interface SeedMount {
  type: MountModel['type']
  source?: string
  target: string
  read_only: boolean
  volume_name?: string
  backed_up: boolean
  reason?: string
}

export interface SeedService {
  /** Absolute host paths of the bind mounts, in order, without duplicates. */
  host_directories: string[]
  /** Compose names of the named volumes, in order, without duplicates. */
  volumes: string[]
  mounts: SeedMount[]
}

export function toSeedStructure(project: ProjectModel): Record<string, SeedService> {
  const out: Record<string, SeedService> = {}
  for (const [name, service] of Object.entries(project.services)) {
    const hostDirectories = new Set<string>()
    const volumes = new Set<string>()
    for (const mount of service.mounts) {
      if (mount.type === 'bind' && mount.source) hostDirectories.add(mount.source)
      if (mount.type === 'volume' && mount.source) volumes.add(mount.source)
    }
    Object.defineProperty(out, name, {
      value: {host_directories: [...hostDirectories], volumes: [...volumes], mounts: service.mounts.map(seedMount)},
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}

function seedMount(mount: MountModel): SeedMount {
  const out: SeedMount = {type: mount.type, target: mount.target, read_only: mount.readOnly, backed_up: mount.backedUp}
  if (mount.source !== undefined) out.source = mount.source
  if (mount.volumeName !== undefined) out.volume_name = mount.volumeName
  if (mount.reason !== undefined) out.reason = mount.reason
  return out
}
