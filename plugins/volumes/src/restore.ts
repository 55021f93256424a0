// Restoring a named volume through the engine's archive API, the way backup reads it. Whatever
// only reads (the archive's layout, the images, whether the volume is empty, its users) happens
// before anything is stopped, so a refusal costs no downtime and --dry-run refuses the same way.
import {posix} from 'node:path'

import type {BackupItem, RestoreOptions, RestoreReport, RunContext, StoredArtifact} from 'backupbot'

import {chooseImage} from './backup.js'
import type {VolumeItemData} from './plan.js'

/** The engine's rule for volume names. */
const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]+$/

export async function restoreVolume(ctx: RunContext, item: BackupItem<VolumeItemData>, artifact: StoredArtifact, options: RestoreOptions): Promise<RestoreReport> {
  const {data} = item
  const volume = options.to ?? data.volume
  if (!VOLUME_NAME.test(volume)) throw new Error(`--to ${volume}: backup_volume restores into a Docker volume; give a volume name (letters, digits, _ . -)`)
  if (data.argv) throw new Error(restoreByHand(data, volume, artifact))
  const root = archiveRoot(data, volume, artifact)
  // The engine writes entries beside the mount point: mount it where the archive's top name lands.
  const mountPoint = posix.join(posix.dirname(data.mountPoint), root)
  const destination = `volume ${volume}`
  const exists = await ctx.docker.volumes.exists(volume)
  const image = await chooseImage(ctx.docker, ctx.log, item.service, data, undefined)
  const empty = exists ? await ctx.docker.volumes.isEmpty(volume, {image}) : true
  const refusal = () => new Error(`${destination} is not empty: use --force to replace its content exactly, or --to another volume`)
  if (!empty && !options.force) throw refusal()
  let eraser = empty ? undefined : await chooseImage(ctx.docker, ctx.log, item.service, data, 'find')
  // Every container that mounts it, of any project: none may write while it is replaced.
  const users = exists ? await ctx.docker.containers.usingVolume(volume) : []
  const report: RestoreReport = {destination, stopped: users.filter((u) => u.running).map((u) => u.name), replaced: !empty}
  if (options.dryRun) return report
  if (!exists) await ctx.docker.volumes.create(volume)
  await ctx.docker.containers.withStopped(users, async () => {
    // The users ran until now: look again, now that nothing writes.
    if (!(await ctx.docker.volumes.isEmpty(volume, {image}))) {
      if (!options.force) throw refusal()
      eraser ??= await chooseImage(ctx.docker, ctx.log, item.service, data, 'find')
      await ctx.docker.volumes.empty(volume, {image: eraser})
      report.replaced = true
    }
    ctx.signal.throwIfAborted()
    await ctx.docker.volumes.write(volume, mountPoint, artifact.content(), {image})
  })
  return report
}

/**
 * The archive's top directory, which backup's archive API path makes the mount point's basename,
 * as the core found it reading every entry (artifact.tar). Anything else (a `command`'s tar,
 * another file) is not written blindly into the volume.
 */
function archiveRoot(data: VolumeItemData, volume: string, artifact: StoredArtifact): string {
  const {tar} = artifact
  if (!tar) throw new Error(restoreByHand(data, volume, artifact, 'it is not a .tar, .tar.gz or .tar.zst archive'))
  if (tar.entries === 0) throw new Error(`${artifact.file} is an empty archive: it holds not even the volume's top directory`)
  if (tar.rootKind !== 'directory' || tar.root === '' || tar.root === '.' || tar.root === '..') {
    const what = tar.rootKind === undefined ? 'is not an entry of it' : `is a ${tar.rootKind}`
    throw new Error(restoreByHand(data, volume, artifact, `its entries start with ${JSON.stringify(tar.root)}, which ${what}, not the volume's top directory`))
  }
  return tar.root
}

/** What to tell the user when backupbot cannot put the archive back itself: how to do it by hand. */
function restoreByHand(data: VolumeItemData, volume: string, artifact: StoredArtifact, why?: string): string {
  const made = data.argv ? `it was made by the custom command "${data.argv.join(' ')}"` : why!
  const base = `docker run --rm -i --network none -v ${volume}:${data.mountPoint} ${data.image ?? data.helperImage}`
  const tool = data.argv?.[0]?.split('/').at(-1)
  // `tar -czf - /var/lib/app` stores var/lib/app/...: it goes back from `/`.
  const example =
    tool === 'tar' && data.argv!.at(-1) === data.mountPoint
      ? `${base} tar -x${artifact.file.endsWith('gz') ? 'z' : ''}pf - -C / < ${artifact.file}`
      : `${base} <the command that reverses it> < ${artifact.file}`
  return `backupbot restores only volume archives of the default layout, and ${made}: restore it by hand with the containers that use ${volume} stopped, e.g. ${example}`
}
