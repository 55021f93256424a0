// The compose project model: what backupbot knows about a Compose project after reading its
// files (or the engine's labels). Types only; built by ./load-project.ts. It extends what the
// scheme contract shows plugins (src/scheme.ts), which must not depend on it.
import type {MountInfo, ProjectInfo, ServiceInfo} from '../../scheme.js'
import type {LeftOutService} from './profiles.js'

/** One entry of a service's `volumes:` after interpolation and normalisation (also the plugins' view). */
export type MountModel = MountInfo

/** A service as the core knows it: what plugins see (ServiceInfo), plus its whole definition. */
export interface ServiceModel extends ServiceInfo {
  /** The merged, interpolated service definition, for dotted key references (`db.image`). */
  definition: Record<string, unknown>
}

export interface VolumeModel {
  /** Name in the engine. */
  name: string
  external: boolean
}

/** A project as the core knows it: what plugins see (ProjectInfo), plus where it came from. */
export interface ProjectModel extends ProjectInfo {
  /** Absolute paths of the compose files, in the order they were merged. */
  configFiles: string[]
  services: Record<string, ServiceModel>
  /** Services the active profiles leave out (not in `services`), by name; absent: none. */
  leftOut?: Record<string, LeftOutService>
  /** Every top-level volume by its compose name. */
  volumes: Record<string, VolumeModel>
  /** Non-fatal findings (unset variables, ...), for the log. */
  warnings: string[]
}
