// Scheme backup_host_directories: one tar per bind-mounted host directory (or file) of a
// service, made by the core's archive helper (modes, owners, symlinks, mtimes kept) and gzipped
// by the core (stored as .tar.gz), and put back by the core's safe extraction (see restore.ts).
import {stat} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {pipeline} from 'node:stream/promises'

import type {MountInfo, PlannedItem, SchemeDefinition, ServiceInfo} from 'backupbot'

import {type HostItemData, restoreHostPath} from './restore.js'

export interface HostDirectoriesOptions {
  /** `["all"]` (default) or host paths (absolute, `~/`, or relative to the project) or container paths. */
  directories?: string[]
  /** Stop the containers that bind-mount the directory while it is read (default false). */
  stop?: boolean
}

interface ItemData extends HostItemData {
  stop: boolean
}

export const hostDirectoriesScheme: SchemeDefinition<HostDirectoriesOptions, ItemData> = {
  type: 'backup_host_directories',
  apiVersion: 2,
  description: 'tar.gz archives of the host directories and files bind-mounted into the service',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      directories: {type: 'array', minItems: 1, uniqueItems: true, items: {type: 'string', minLength: 1}},
      stop: {type: 'boolean'},
    },
  },
  defaultEntry: {directories: ['all']},

  async plan(ctx, service, options) {
    const binds = service.mounts.filter((m) => m.type === 'bind' && m.source)
    const wanted = options.directories ?? ['all']
    const chosen = wanted.includes('all') ? await archivable(binds, ctx.log.warn) : wanted.map((d) => findMount(service, binds, ctx.project.directory, d))
    const stop = options.stop ?? false
    const items: Array<PlannedItem<ItemData>> = []
    for (const mount of chosen) {
      const stops = stop ? (await ctx.docker.containers.usingHostPath(mount.source!)).filter((c) => c.running).map((c) => c.name) : []
      items.push(item(mount.source!, ctx.project.directory, stop, stops))
    }
    return items
  },

  async backup(ctx, item, out) {
    // A plain tar: the core compresses it (compress: true).
    const read = () => pipeline(ctx.archive.packPath(item.data.path), out, {signal: ctx.signal})
    // Looked up now, not at plan time: containers may have come or gone since.
    if (item.data.stop) await ctx.docker.containers.withStopped(await ctx.docker.containers.usingHostPath(item.data.path), read)
    else await read()
  },

  restore: restoreHostPath,
}

function item(source: string, projectDir: string, stop: boolean, stops: string[]): PlannedItem<ItemData> {
  const relative = path.relative(projectDir, source)
  const inside = relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
  const name = inside ? relative || '.' : source
  return {folder: 'bind_mounts', name, source, extension: '.tar', compress: true, stops, identity: `host:${source}`, data: {path: source, stop}}
}

/** Sockets and devices (`/var/run/docker.sock`) hold no data to back up; say so. */
async function archivable(binds: MountInfo[], warn: (m: string) => void): Promise<MountInfo[]> {
  const kept: MountInfo[] = []
  for (const mount of binds) {
    const info = await stat(mount.source!).catch(() => undefined)
    if (info && !info.isDirectory() && !info.isFile()) warn(`${mount.source} is not a file or directory: not backed up`)
    else kept.push(mount)
  }
  return kept
}

function findMount(service: ServiceInfo, binds: MountInfo[], projectDir: string, wanted: string): MountInfo {
  const expanded = wanted.startsWith('~/') ? path.join(os.homedir(), wanted.slice(2)) : wanted
  const hostPath = path.resolve(projectDir, expanded)
  const match = binds.find((m) => m.source === hostPath || m.target === wanted.replace(/\/+$/, ''))
  if (match) return match
  const known = binds.map((m) => `${m.source} (${m.target})`).join(', ') || 'none'
  throw new Error(`"${wanted}" is not a bind mount of service ${service.name}; its bind mounts: ${known}`)
}
