// Normalises a service's `volumes:` entries (short and long syntax) into MountModels, and the
// top-level `volumes:` into the names the engine knows them by.
import {homedir} from 'node:os'
import {join, resolve} from 'node:path'

import {ConfigError} from '../../errors.js'
import type {MountModel, VolumeModel} from './model.js'
import {childPath, isMapping, setOwn} from './interpolate.js'

export interface MountContext {
  /** The compose file and key path (`services.web.volumes[0]`) to name in errors. */
  file: string
  path: string
  projectDir: string
  /** Top-level volumes by compose name (see topLevelVolumes). */
  volumes: Record<string, VolumeModel>
}

const NOT_BACKED_UP: Partial<Record<MountModel['type'], string>> = {
  anonymous: 'anonymous volume: not backed up',
  tmpfs: 'tmpfs: nothing to back up',
  npipe: 'npipe: a named pipe, nothing to back up',
}

const TYPES = new Set(['bind', 'volume', 'tmpfs', 'npipe'])

/** Host paths start like this (or are empty); anything else in the source position is a volume name. */
export function isHostPath(source: string): boolean {
  return source === '' || /^[./~]/.test(source)
}

/** `~` and `~/x` expand to the home directory; relative paths resolve against the project. */
export function resolveHostPath(source: string, projectDir: string): string {
  if (source === '~' || source.startsWith('~/')) return join(homedir(), source.slice(1))
  return resolve(projectDir, source)
}

/** Splits short syntax as Compose v1 does: `source:target[:mode]`, or a lone `target`. */
export function splitShortSyntax(spec: string): {source?: string; target: string; mode?: string} {
  const first = spec.indexOf(':')
  if (first < 0) return {target: spec}
  const rest = spec.slice(first + 1)
  const last = rest.lastIndexOf(':')
  return last < 0
    ? {source: spec.slice(0, first), target: rest}
    : {source: spec.slice(0, first), target: rest.slice(0, last), mode: rest.slice(last + 1)}
}

/** The container path of a raw entry, used to merge entries across files; undefined if malformed. */
export function mountTarget(entry: unknown): string | undefined {
  if (typeof entry === 'string') return splitShortSyntax(entry).target || undefined
  if (isMapping(entry) && typeof entry.target === 'string') return entry.target
  return undefined
}

export function normaliseMount(entry: unknown, ctx: MountContext): MountModel {
  if (typeof entry === 'string') return fromShort(entry, ctx)
  if (isMapping(entry)) return fromLong(entry, ctx)
  throw new ConfigError(ctx.file, ctx.path, 'a volume must be a string (`source:target`) or a mapping with `type` and `target`')
}

function fromShort(spec: string, ctx: MountContext): MountModel {
  const {source, target, mode} = splitShortSyntax(spec)
  if (!target) throw new ConfigError(ctx.file, ctx.path, `volume "${spec}" has no container path`)
  const readOnly = mode?.split(',').includes('ro') ?? false
  if (source === undefined) return build({type: 'anonymous', target, readOnly}, ctx)
  // An empty source (`${UNSET}:/data`) counts as a host path: the project directory, as in Compose v1.
  const type = isHostPath(source) ? 'bind' : 'volume'
  return build({type, source, target, readOnly}, ctx)
}

function fromLong(entry: Record<string, unknown>, ctx: MountContext): MountModel {
  const {target, source} = entry
  if (typeof target !== 'string' || target === '') {
    throw new ConfigError(ctx.file, childPath(ctx.path, 'target'), 'a long-syntax volume needs a `target` (the path inside the container)')
  }
  if (source !== undefined && source !== null && typeof source !== 'string') {
    throw new ConfigError(ctx.file, childPath(ctx.path, 'source'), '`source` must be a string')
  }
  const type = entry.type ?? (typeof source === 'string' && source !== '' && isHostPath(source) ? 'bind' : 'volume')
  if (typeof type !== 'string' || !TYPES.has(type)) {
    throw new ConfigError(ctx.file, childPath(ctx.path, 'type'), `unsupported volume type "${String(type)}" (expected bind, volume, tmpfs or npipe)`)
  }
  const readOnly = entry.read_only === true || entry.read_only === 'true'
  const src = typeof source === 'string' ? source : undefined
  if (type === 'bind' && !src) throw new ConfigError(ctx.file, childPath(ctx.path, 'source'), 'a bind mount needs a `source` (the host path)')
  if (type === 'volume' && !src) return build({type: 'anonymous', target, readOnly}, ctx)
  return build({type: type as MountModel['type'], source: src, target, readOnly}, ctx)
}

function build(raw: {type: MountModel['type']; source?: string; target: string; readOnly: boolean}, ctx: MountContext): MountModel {
  const mount: MountModel = {type: raw.type, target: raw.target, readOnly: raw.readOnly, backedUp: true}
  if (raw.type === 'bind') {
    if (raw.source!.startsWith('~') && raw.source !== '~' && !raw.source!.startsWith('~/')) {
      throw new ConfigError(ctx.file, ctx.path, `"${raw.source}": only ~ and ~/ are expanded, not ~user`)
    }
    mount.source = resolveHostPath(raw.source!, ctx.projectDir)
  } else if (raw.type === 'volume') {
    const volume = Object.hasOwn(ctx.volumes, raw.source!) ? ctx.volumes[raw.source!] : undefined
    if (!volume) {
      throw new ConfigError(ctx.file, ctx.path, `named volume "${raw.source}" is not declared under the top-level volumes:, so its engine name is unknown`, [
        `declare it: add "${raw.source}: {}" under the top-level volumes:`,
        `for a host directory, write ./${raw.source}`,
      ])
    }
    mount.source = raw.source
    mount.volumeName = volume.name
  } else if (raw.source !== undefined) {
    mount.source = raw.source
  }
  const reason = NOT_BACKED_UP[raw.type]
  if (reason) {
    mount.backedUp = false
    mount.reason = reason
  }
  return mount
}

/**
 * The engine name of each top-level volume: `<project>_<key>`, or its `name:`, or for an
 * external volume its `name:` (also the legacy `external: {name: x}`) or the key itself.
 */
export function topLevelVolumes(raw: unknown, projectName: string, file: string): Record<string, VolumeModel> {
  const out: Record<string, VolumeModel> = {}
  if (raw === undefined || raw === null) return out
  if (!isMapping(raw)) throw new ConfigError(file, 'volumes', 'the top-level volumes: must be a mapping')
  for (const [key, value] of Object.entries(raw)) {
    const path = childPath('volumes', key)
    if (value !== null && value !== undefined && !isMapping(value)) throw new ConfigError(file, path, 'a volume must be a mapping (or empty)')
    const spec = value ?? {}
    const name = spec.name === undefined || spec.name === null ? undefined : String(spec.name)
    const external = spec.external
    let volume: VolumeModel
    if (isMapping(external)) {
      volume = {name: external.name === undefined ? name ?? key : String(external.name), external: true}
    } else if (external === true || external === 'true') {
      volume = {name: name ?? key, external: true}
    } else {
      volume = {name: name ?? `${projectName}_${key}`, external: false}
    }
    setOwn(out, key, volume)
  }
  return out
}
