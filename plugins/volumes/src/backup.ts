// Backing up one named volume. Whatever needs no downtime (choosing the image, finding the
// containers that use the volume) happens before anything is stopped; the containers are
// stopped only while the volume itself is read and started again as soon as it has been read.
import type {Writable} from 'node:stream'
import {finished, pipeline} from 'node:stream/promises'

import type {BackupItem, DockerOps, Logger, RunContext} from 'backupbot'

import type {VolumeItemData} from './plan.js'

export async function backupVolume(ctx: RunContext, item: BackupItem<VolumeItemData>, out: Writable): Promise<void> {
  const {data} = item
  const image = await chooseImage(ctx.docker, ctx.log, item.service, data, data.argv?.[0])
  // Looked up now, not at plan time: containers may have come or gone since.
  const users = data.stop ? await ctx.docker.containers.usingVolume(data.volume) : []
  const whileStopped = <T>(work: () => Promise<T>) => (data.stop ? ctx.docker.containers.withStopped(users, work) : work())
  if (data.argv) await whileStopped(() => runCommand(ctx, data, data.argv!, image, out))
  else await readThroughArchiveApi(ctx, data, image, out, whileStopped)
}

/**
 * The default path: the engine's archive API (no tar needed in any image, works with a remote
 * engine, reads at disk pace); the plain tar goes into `out` and the core compresses it on
 * every core, faster than gzip in a container (PERF-NOTES.md). The temporary container is
 * created before the stop, so the containers are down only while the engine's tar stream runs;
 * they are started again once it has ended, while the last blocks are still written. (When
 * they stop, the core hands in a spool file as `out`: compression waits until they run again.)
 */
async function readThroughArchiveApi(
  ctx: RunContext,
  data: VolumeItemData,
  image: string,
  out: Writable,
  whileStopped: (work: () => Promise<void>) => Promise<void>,
): Promise<void> {
  const prepared = await ctx.docker.volumes.prepareRead(data.volume, data.mountPoint, {image})
  let written: Promise<void> | undefined
  try {
    await whileStopped(async () => {
      const tar = await prepared.read()
      written = pipeline(tar, out, {signal: ctx.signal})
      written.catch(() => {}) // awaited below; this only keeps an early failure from going unhandled
      // If the tar stream breaks, wait for the pipeline: its error is the one worth reporting.
      await Promise.race([finished(tar).catch(() => written), written])
    })
    await written
  } finally {
    await prepared.remove()
  }
}

/** `command` in a temporary container that mounts the volume; its standard output is the artifact, as written. */
async function runCommand(ctx: RunContext, data: VolumeItemData, argv: string[], image: string, out: Writable): Promise<void> {
  const run = await ctx.docker.volumes.run(data.volume, data.mountPoint, {image, cmd: argv})
  const {code, message} = await ctx.commands.save(run, out)
  if (code !== 0) throw new Error(`${argv.join(' ')} (image ${image}) exited with code ${code}${message ? `: ${message}` : ''}`)
}

/**
 * The image of the temporary container: `image` from the config, else the service's own (its
 * files and users match the volume's); the helper image when that one lacks `tool` (the
 * command's program; `find` to empty a volume before a restore). The archive API only creates
 * the container, so any image does there.
 */
export async function chooseImage(
  docker: Pick<DockerOps, 'images'>,
  log: Logger,
  service: string,
  data: VolumeItemData,
  tool: string | undefined,
): Promise<string> {
  const preferred = data.image ?? (await docker.images.ofService(service))
  if (tool === undefined) return preferred ?? data.helperImage
  if (preferred && (await docker.images.hasTool(preferred, tool))) return preferred
  if (await docker.images.hasTool(data.helperImage, tool)) {
    log.info(`${service}: ${preferred ? `image ${preferred} has no ${tool}` : 'the service has no image'}; using the helper image ${data.helperImage}`)
    return data.helperImage
  }
  const first = preferred ? `image ${preferred}` : `service ${service} (it has no image)`
  throw new Error(`neither ${first} nor the helper image ${data.helperImage} has "${tool}" (or the image is not on the engine; backupbot never pulls): set image or helper_image`)
}
