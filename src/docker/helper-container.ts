// Temporary containers that mount one named volume: read or write it through the archive API
// (created, never started) or run a command next to it (started, output attached). Always removed.
import {finished, type Readable} from 'node:stream'
import {hostname} from 'node:os'
import type Docker from 'dockerode'

import type {ExecHandle, Logger, PreparedRead} from '../scheme.js'
import {pidAlive} from '../system/process.js'
import {getArchive} from './archive.js'
import {engineMessage, statusOf} from './engine-errors.js'
import {demux} from './demux.js'

export const HELPER_LABEL = 'backupbot.helper'
export const HELPER_PID_LABEL = 'backupbot.pid'
const HELPER_HOST_LABEL = 'backupbot.hostname'

export interface HelperOptions {
  image: string
  /** A named volume mounted at `mountPoint`: read-only unless `writable` (only restore writes). */
  volume?: {name: string; mountPoint: string; writable?: boolean}
  cmd?: string[]
  /** Overrides the image's user (emptying a volume must be root, whatever the image runs as). */
  user?: string
}

export interface HelperContainer {
  id: string
  container: Docker.Container
  /** Force-removes the container; safe to call any number of times. */
  remove(): Promise<void>
}

export async function createHelper(docker: Docker, options: HelperOptions): Promise<HelperContainer> {
  const {volume} = options
  // Mounting a missing volume would create an empty one and back up nothing: refuse instead.
  if (volume) await requireVolume(docker, volume.name)
  let container: Docker.Container
  try {
    container = await docker.createContainer({
      Image: options.image,
      Cmd: options.cmd,
      Entrypoint: options.cmd ? [] : undefined,
      User: options.user,
      Labels: {[HELPER_LABEL]: '1', [HELPER_PID_LABEL]: String(process.pid), [HELPER_HOST_LABEL]: hostname()},
      AttachStdout: Boolean(options.cmd),
      AttachStderr: Boolean(options.cmd),
      Tty: false,
      NetworkDisabled: true,
      HostConfig: {
        // Bulk data must never pass through the json log driver (5x slower, PERF-NOTES.md).
        LogConfig: {Type: 'none', Config: {}},
        RestartPolicy: {Name: 'no'},
        NetworkMode: 'none',
        // ReadOnly: a backup never writes into the user's volume. NoCopy: an empty volume is
        // not filled with the helper image's files at the mount point (a restore would mix them in).
        Mounts: volume
          ? [{Type: 'volume', Source: volume.name, Target: volume.mountPoint, ReadOnly: !volume.writable, VolumeOptions: {NoCopy: true} as Docker.MountSettings['VolumeOptions']}]
          : [],
      },
    })
  } catch (error) {
    if (statusOf(error) === 404) throw new Error(`image ${options.image} is not on the Docker engine (backupbot never pulls images): ${engineMessage(error)}`)
    throw new Error(`creating a helper container from ${options.image}: ${engineMessage(error)}`)
  }
  let removal: Promise<void> | undefined
  return {
    id: container.id,
    container,
    remove: () =>
      (removal ??= container.remove({force: true, v: true}).then(
        () => undefined,
        (error) => {
          // Gone already, or being removed by the engine: both mean done.
          if (statusOf(error) === 404 || statusOf(error) === 409) return
          removal = undefined
          throw error
        },
      )),
  }
}

/** Removes the helper; a failure is only a warning (a later run's sweep removes it). */
export async function removeHelper(helper: HelperContainer, log?: Logger): Promise<void> {
  await helper.remove().catch((error) => log?.warn(`could not remove helper container ${helper.id.slice(0, 12)}: ${engineMessage(error)}`))
}

async function requireVolume(docker: Docker, name: string): Promise<void> {
  try {
    await docker.getVolume(name).inspect()
  } catch (error) {
    if (statusOf(error) === 404) throw new Error(`volume ${name} does not exist on the Docker engine`)
    throw error
  }
}

/**
 * A created, never started helper that mounts the volume read-only, made before the volume's
 * users are stopped (creating it is not part of the downtime); `read` then streams the volume
 * as a tar. The helper stays until `remove`, which the caller does once the users run again:
 * removed as soon as the stream ended, it was being destroyed while they were being started,
 * and the engine mounted the volume for them only after it had unmounted it for the helper.
 */
export async function prepareVolumeRead(docker: Docker, volume: string, mountPoint: string, image: string, log?: Logger): Promise<PreparedRead> {
  const helper = await createHelper(docker, {image, volume: {name: volume, mountPoint}})
  const remove = () => removeHelper(helper, log)
  let reading = false
  return {
    async read() {
      if (reading) throw new Error(`volume ${volume}: this prepared read was used already`)
      reading = true
      let stream: Readable
      try {
        stream = await getArchive(docker, helper.id, mountPoint)
      } catch (error) {
        throw new Error(`reading volume ${volume}: ${engineMessage(error)}`)
      }
      log?.debug(`reading volume ${volume} at ${mountPoint} through helper ${helper.id.slice(0, 12)}`)
      return stream
    },
    remove,
  }
}

/** The volume as a tar stream, read from a created, never started helper that is removed when the stream ends, fails or is destroyed. */
export async function readVolume(docker: Docker, volume: string, mountPoint: string, image: string, log?: Logger): Promise<Readable> {
  const prepared = await prepareVolumeRead(docker, volume, mountPoint, image, log)
  let stream: Readable
  try {
    stream = await prepared.read()
  } catch (error) {
    await prepared.remove()
    throw error
  }
  finished(stream, () => void prepared.remove())
  return stream
}

/**
 * Runs `cmd` in a started helper: output attached before the start (so nothing is missed) and
 * demultiplexed; the exit code from the engine once the output ended. Removed in every case.
 */
export async function runHelper(docker: Docker, options: HelperOptions & {cmd: string[]}, log?: Logger): Promise<ExecHandle> {
  const helper = await createHelper(docker, options)
  const remove = () => removeHelper(helper, log)
  let output
  try {
    const stream = (await helper.container.attach({stream: true, stdout: true, stderr: true, hijack: true})) as unknown as NodeJS.ReadableStream & {destroy(): void}
    output = demux(docker, stream)
    await helper.container.start()
  } catch (error) {
    await remove()
    throw new Error(`running ${JSON.stringify(options.cmd)} in a helper container from ${options.image}: ${engineMessage(error)}`)
  }
  log?.debug(`running ${JSON.stringify(options.cmd)} in helper ${helper.id.slice(0, 12)}`)
  const {stdout, stderr, ended} = output
  // The helper is removed before exitCode settles, also when the output was abandoned (an
  // interrupt): force removal then kills the command too.
  const exitCode = (async () => {
    try {
      await ended
      // `wait` after the output ended: its default condition returns at once if it has exited.
      const result: {StatusCode: number} = await helper.container.wait()
      return result.StatusCode
    } finally {
      await remove()
    }
  })()
  exitCode.catch(() => {}) // a caller that gave up on the output need not await it
  return {stdout, stderr, exitCode}
}

/**
 * Removes the helpers that killed runs on this machine left behind (their pid is gone), so that
 * none pile up. Returns how many were removed.
 */
export async function removeStaleHelpers(docker: Docker, log?: Logger): Promise<number> {
  const list = await docker.listContainers({all: true, filters: {label: [`${HELPER_LABEL}=1`, `${HELPER_HOST_LABEL}=${hostname()}`]}})
  let removed = 0
  for (const c of list) {
    if (pidAlive(Number(c.Labels?.[HELPER_PID_LABEL]))) continue
    try {
      await docker.getContainer(c.Id).remove({force: true, v: true})
      removed++
      log?.debug(`removed helper container ${c.Id.slice(0, 12)} left by killed backupbot pid ${c.Labels?.[HELPER_PID_LABEL]}`)
    } catch (error) {
      if (statusOf(error) !== 404 && statusOf(error) !== 409) log?.warn(`could not remove stale helper container ${c.Id.slice(0, 12)}: ${engineMessage(error)}`)
    }
  }
  return removed
}
