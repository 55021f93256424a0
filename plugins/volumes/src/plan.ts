// Planning backup_volume: which named volumes of a service, where they are mounted, and which
// running containers a backup would stop (for --dry-run). Reads only.
import type {MountInfo, PlanContext, PlannedItem, ServiceInfo} from 'backupbot'

import {buildCommand} from './command.js'
import {COMMAND_EXTENSION, defaultHelperImage, type VolumeOptions} from './options.js'

/** Scheme-private data of an item, handed back to `backup`. */
export interface VolumeItemData {
  /** The volume's name in the engine. */
  volume: string
  /** Where the service mounts it: the temporary container mounts it at the same path. */
  mountPoint: string
  stop: boolean
  /** `image` from the config, resolved; undefined: the service's own image. */
  image?: string
  helperImage: string
  /** The temporary container's command when `command` is set; else the engine's archive API is used. */
  argv?: string[]
}

type NamedMount = MountInfo & {source: string; volumeName: string}

export async function planVolumes(ctx: PlanContext, service: ServiceInfo, options: VolumeOptions): Promise<Array<PlannedItem<VolumeItemData>>> {
  const chosen = selectMounts(service, options.volumes ?? ['all'])
  // A service without named volumes asks nothing of the engine (zero-config on any project).
  if (chosen.length === 0) return []
  const format = artifactFormat(options)
  const image = options.image === undefined ? undefined : await ctx.resolve(options.image, 'image')
  const stop = options.stop ?? true
  const items: Array<PlannedItem<VolumeItemData>> = []
  for (const mount of chosen) {
    const argv = options.command === undefined ? undefined : buildCommand(options.command, mount.target, options.use_mountpoint ?? true)
    const stops = stop ? (await ctx.docker.containers.usingVolume(mount.volumeName)).filter((c) => c.running).map((c) => c.name) : []
    items.push({
      folder: 'named_volumes',
      name: mount.source,
      source: `volume ${mount.volumeName} at ${mount.target}`,
      ...format,
      stops,
      identity: `volume:${mount.volumeName}`,
      data: {volume: mount.volumeName, mountPoint: mount.target, stop, image, helperImage: options.helper_image ?? defaultHelperImage(), argv},
    })
  }
  return items
}

/**
 * The archive API's plain tar is compressed by the core (`.tar.gz`, `.tar.zst` or `.tar`, as chosen); a `command`'s
 * output is stored as it is written, under the extension the user gives it.
 */
function artifactFormat(options: VolumeOptions): {extension: string; compress: boolean} {
  if (options.command !== undefined) return {extension: options.extension ?? COMMAND_EXTENSION, compress: false}
  if (options.extension !== undefined && options.extension !== '.tar.gz') {
    throw new Error(`extension ${options.extension} applies only with command: without it the volume is read as a tar that backupbot compresses itself (choose how with compression: gzip, zstd or none)`)
  }
  return {extension: '.tar', compress: true}
}

/** The service's named volume mounts, once per volume (anonymous volumes are not `volume` mounts). */
function namedMounts(service: ServiceInfo): NamedMount[] {
  const seen = new Set<string>()
  const mounts: NamedMount[] = []
  for (const m of service.mounts) {
    if (m.type !== 'volume' || !m.source || !m.volumeName || seen.has(m.volumeName)) continue
    seen.add(m.volumeName)
    mounts.push(m as NamedMount)
  }
  return mounts
}

/** `all`, or the listed volumes by compose name or engine name; an unknown name is an error. */
function selectMounts(service: ServiceInfo, wanted: string[]): NamedMount[] {
  const mounts = namedMounts(service)
  if (wanted.includes('all')) return mounts
  const chosen = new Set<NamedMount>()
  for (const name of wanted) {
    const match = mounts.find((m) => m.source === name) ?? mounts.find((m) => m.volumeName === name)
    if (!match) {
      const known = mounts.map((m) => `${m.source} (engine name ${m.volumeName}, at ${m.target})`).join(', ') || 'none'
      throw new Error(`"${name}" is not a named volume of service ${service.name}; its named volumes: ${known}`)
    }
    chosen.add(match)
  }
  return [...chosen]
}
