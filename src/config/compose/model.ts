// The compose project model: what backupbot knows about a Compose project after reading its
// files (or the engine's labels). Types only; built by ./load-project.ts.

/** One entry of a service's `volumes:` after interpolation and normalisation. */
export interface MountModel {
  /** `anonymous` is a volume entry without a source (`- /data`): not backed up. */
  type: 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'anonymous'
  /** bind: absolute host path (`~` expanded, relative paths resolved against the project dir);
   *  volume: the compose volume name (key under the top-level `volumes:`). */
  source?: string
  /** The path inside the container. */
  target: string
  readOnly: boolean
  /** volume only: the volume's name in the engine (`<project>_<name>`, `name:`, or external). */
  volumeName?: string
  /** Whether backupbot can back this mount up; reason says why not. */
  backedUp: boolean
  reason?: string
}

export interface ServiceModel {
  name: string
  /** `container_name:` when the service sets one. */
  containerName?: string
  image?: string
  /** `environment:` in map form (list form is converted; `KEY` alone takes the process env). */
  environment: Record<string, string>
  mounts: MountModel[]
  /** The merged, interpolated service definition, for dotted key references (`db.image`). */
  definition: Record<string, unknown>
}

export interface VolumeModel {
  /** Name in the engine. */
  name: string
  external: boolean
}

export interface ProjectModel {
  name: string
  /** Absolute project directory (the folder of the first compose file). */
  directory: string
  /** Absolute paths of the compose files, in the order they were merged. */
  configFiles: string[]
  services: Record<string, ServiceModel>
  /** Every top-level volume by its compose name. */
  volumes: Record<string, VolumeModel>
  /** Non-fatal findings (unset variables, ...), for the log. */
  warnings: string[]
}
