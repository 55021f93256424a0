// `backupbot inspect --json`: a project reduced to the seed's `parse_config()` structure (host
// directories and named volumes per service), plus every mount in detail under `mounts`.
import type {MountModel, ProjectModel} from '../config/compose/model.js'

export interface InspectMount {
  type: MountModel['type']
  source?: string
  target: string
  read_only: boolean
  volume_name?: string
  backed_up: boolean
  reason?: string
}

export interface InspectService {
  /** Absolute host paths of the bind mounts, in order, without duplicates. */
  host_directories: string[]
  /** Compose names of the named volumes, in order, without duplicates. */
  volumes: string[]
  mounts: InspectMount[]
}

/** Services the active profiles leave out: not backed up. Service names never start with `$`. */
export interface InspectLeftOut {
  $left_out?: Record<string, {profiles: string[]}>
}

export type InspectProject = Record<string, InspectService> & InspectLeftOut

/** The structure for one project, or keyed by project name with --discover. */
export type InspectResult = InspectProject | Record<string, InspectProject>

/** What `inspect --json` prints: the first project's structure, or every project's by name with --discover. */
export function inspectResult(projects: ProjectModel[], discover: boolean): InspectResult {
  return discover ? Object.fromEntries(projects.map((p) => [p.name, inspectStructure(p)])) : inspectStructure(projects[0])
}

export function inspectStructure(project: ProjectModel): InspectProject {
  const out: Record<string, InspectService> = {}
  for (const [name, service] of Object.entries(project.services)) {
    const hostDirectories = new Set<string>()
    const volumes = new Set<string>()
    for (const mount of service.mounts) {
      if (mount.type === 'bind' && mount.source) hostDirectories.add(mount.source)
      if (mount.type === 'volume' && mount.source) volumes.add(mount.source)
    }
    Object.defineProperty(out, name, {
      value: {host_directories: [...hostDirectories], volumes: [...volumes], mounts: service.mounts.map(inspectMount)},
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  const leftOut = Object.entries(project.leftOut ?? {}).map(([name, {profiles}]) => [name, {profiles}])
  return leftOut.length > 0 ? {...out, $left_out: Object.fromEntries(leftOut)} : out
}

function inspectMount(mount: MountModel): InspectMount {
  const out: InspectMount = {type: mount.type, target: mount.target, read_only: mount.readOnly, backed_up: mount.backedUp}
  if (mount.source !== undefined) out.source = mount.source
  if (mount.volumeName !== undefined) out.volume_name = mount.volumeName
  if (mount.reason !== undefined) out.reason = mount.reason
  return out
}
