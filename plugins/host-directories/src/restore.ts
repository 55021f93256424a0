// Restoring a bind-mounted host directory (or file): the core's safe extraction does the writing;
// this decides where, refuses a non-empty destination without force, and keeps the containers
// that see the path stopped meanwhile (with the same restart guarantees as a backup).
import {lstat, readdir} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import type {BackupItem, RestoreOptions, RestoreReport, RunContext, StoredArtifact} from 'backupbot'

export interface HostItemData {
  path: string
}

export async function restoreHostPath(ctx: RunContext, item: BackupItem<HostItemData>, artifact: StoredArtifact, options: RestoreOptions): Promise<RestoreReport> {
  const destination = options.to === undefined ? item.data.path : resolveTo(options.to, ctx.project.directory)
  refuseDangerous(destination, artifact)
  // Everything that only reads comes first: a refusal stops nothing, and --dry-run says the same.
  const replaced = !(await isEmpty(destination))
  if (replaced && !options.force) {
    throw new Error(`${destination} is not empty: use --force to replace it exactly (files not in the archive are removed), or --to another path`)
  }
  const users = await ctx.docker.containers.usingHostPath(destination)
  const report: RestoreReport = {destination, stopped: users.filter((u) => u.running).map((u) => u.name), replaced}
  if (options.dryRun) return report
  await ctx.docker.containers.withStopped(users, () => ctx.archive.extract(artifact, destination, {replace: options.force, devices: options.devices}))
  return report
}

/** `--to` as the user means it: `~/x`, absolute, or relative to the compose project. */
export function resolveTo(to: string, projectDir: string): string {
  const expanded = to === '~' ? os.homedir() : to.startsWith('~/') ? path.join(os.homedir(), to.slice(2)) : to
  return path.resolve(projectDir, expanded)
}

/** Replacing `/`, or a folder that holds the backups themselves, would destroy what restores it. */
function refuseDangerous(destination: string, artifact: StoredArtifact): void {
  if (destination === path.parse(destination).root) throw new Error(`refusing to restore into ${destination}: name a directory`)
  const relative = path.relative(destination, artifact.file)
  if (!relative.startsWith('..') && !path.isAbsolute(relative)) {
    throw new Error(`refusing to restore into ${destination}: it holds the backup being restored (${artifact.file})`)
  }
}

/** Missing or an empty directory; a file or a symlink counts as content. */
async function isEmpty(destination: string): Promise<boolean> {
  const info = await lstat(destination).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  if (!info) return true
  if (!info.isDirectory()) return false
  return (await readdir(destination)).length === 0
}
