// Named volumes for restore: existence, creation, emptiness, emptying and writing. Reading and
// writing go through the archive API of a created, never started helper (no tools needed in the
// image, works with a remote engine); only emptying runs a command, since the API cannot delete.
// And a volume's size, for the spool's room check before a backup stops anything.
import {stat} from 'node:fs/promises'
import {posix} from 'node:path'
import type {Readable} from 'node:stream'
import type Docker from 'dockerode'
import {Parser} from 'tar'

import type {Logger} from '../scheme.js'
import {tarSize} from '../system/tree-size.js'
import {getArchive, putArchive} from './archive.js'
import {engineMessage, statusOf} from './engine-errors.js'
import {createHelper, removeHelper, runHelper} from './helper-container.js'

/** Where helpers that look at a whole volume mount it; any path works for a never started container. */
const MOUNT = '/volume'

export async function volumeExists(docker: Docker, volume: string): Promise<boolean> {
  try {
    await docker.getVolume(volume).inspect()
    return true
  } catch (error) {
    if (statusOf(error) === 404) return false
    throw new Error(`looking up volume ${volume}: ${engineMessage(error)}`)
  }
}

/** A plain local volume, as `docker volume create NAME` makes it. */
export async function createVolume(docker: Docker, volume: string, log?: Logger): Promise<void> {
  try {
    await docker.createVolume({Name: volume})
  } catch (error) {
    throw new Error(`creating volume ${volume}: ${engineMessage(error)}`)
  }
  log?.info(`created volume ${volume}`)
}

/**
 * Empty when the volume's tar holds only its root entry. Reading stops at the second entry, so
 * a large volume costs no more than an empty one. The helper is gone when this resolves.
 */
export async function volumeIsEmpty(docker: Docker, volume: string, image: string, log?: Logger): Promise<boolean> {
  const helper = await createHelper(docker, {image, volume: {name: volume, mountPoint: MOUNT}})
  try {
    return await onlyRootEntry(await getArchive(docker, helper.id, MOUNT))
  } catch (error) {
    throw new Error(`reading volume ${volume}: ${engineMessage(error)}`)
  } finally {
    await removeHelper(helper, log)
  }
}

function onlyRootEntry(tar: Readable): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    let entries = 0
    let settled = false
    const settle = (outcome: () => void) => {
      if (settled) return
      settled = true
      outcome()
      tar.destroy()
    }
    const parser = new Parser({
      onReadEntry(entry) {
        entry.resume()
        if (++entries > 1) settle(() => resolve(false))
      },
    })
    parser.on('end', () => settle(() => resolve(true)))
    parser.on('error', (error: Error) => settle(() => reject(error)))
    tar.on('error', (error: Error) => settle(() => reject(error)))
    tar.pipe(parser)
  })
}

/**
 * Deletes everything inside the volume (not the volume itself), as root in a helper of `image`.
 * `find ... -exec rm -rf {} +` rather than `-delete`, which BusyBox builds often lack.
 */
export async function emptyVolume(docker: Docker, volume: string, image: string, log?: Logger): Promise<void> {
  const cmd = ['find', MOUNT, '-mindepth', '1', '-maxdepth', '1', '-exec', 'rm', '-rf', '--', '{}', '+']
  let run
  try {
    run = await runHelper(docker, {image, cmd, user: '0:0', volume: {name: volume, mountPoint: MOUNT, writable: true}}, log)
  } catch (error) {
    throw new Error(`emptying volume ${volume}: ${engineMessage(error)}`) // no find in the image, typically
  }
  run.stdout.resume()
  let stderr = ''
  run.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4096)))
  const code = await run.exitCode
  if (code !== 0) throw new Error(`emptying volume ${volume} (find and rm in image ${image}) failed with exit code ${code}${stderr.trim() ? `: ${stderr.trim()}` : ''}`)
  log?.debug(`emptied volume ${volume}`)
}

/**
 * Extracts `tar` (entries starting with basename(mountPoint)) into the volume, mounted
 * read-write at `mountPoint` in a created, never started helper: the data goes over the API.
 */
export async function writeVolume(docker: Docker, volume: string, mountPoint: string, tar: Readable, image: string, log?: Logger): Promise<void> {
  let helper
  try {
    helper = await createHelper(docker, {image, volume: {name: volume, mountPoint, writable: true}})
  } catch (error) {
    tar.destroy()
    throw error
  }
  try {
    log?.debug(`writing volume ${volume} at ${mountPoint} through helper ${helper.id.slice(0, 12)}`)
    await putArchive(docker, helper.id, posix.dirname(mountPoint), tar)
  } catch (error) {
    throw new Error(`writing volume ${volume}: ${engineMessage(error)}`)
  } finally {
    await removeHelper(helper, log)
  }
}

/** A volume's size as the spool's room check gets it: the bytes, and how they were found. */
export interface VolumeSize {
  bytes: number
  /** `measured`: its tar's size, from the files on this host; `engine`: the engine's figure (`docker system df -v`). */
  how: 'measured' | 'engine'
}

/**
 * How many bytes a tar of the volume takes, or undefined when that cannot be told. A local
 * engine's volume directory is measured on this host (metadata only, stopping past `limit`);
 * otherwise the engine's own usage figure is asked for (it sizes every volume, so it is slower,
 * and it counts file contents only: the caller's margin covers the tar headers). Volume drivers
 * other than `local` report no size.
 */
export async function volumeSize(docker: Docker, volume: string, limit?: number): Promise<VolumeSize | undefined> {
  let info: Docker.VolumeInspectInfo
  try {
    info = await docker.getVolume(volume).inspect()
  } catch (error) {
    throw new Error(`looking up volume ${volume}: ${engineMessage(error)}`)
  }
  // A local engine (its socket on this machine) keeps the volume's files where it says.
  const local = Boolean((docker.modem as {socketPath?: unknown}).socketPath)
  if (local && info.Mountpoint && (await stat(info.Mountpoint).then((s) => s.isDirectory(), () => false))) {
    return {bytes: await tarSize(info.Mountpoint, limit), how: 'measured'}
  }
  const usage = (await docker.df()) as {Volumes?: Array<{Name: string; UsageData?: {Size: number} | null}> | null}
  const size = usage.Volumes?.find((v) => v.Name === volume)?.UsageData?.Size
  return size !== undefined && size >= 0 ? {bytes: size, how: 'engine'} : undefined
}
