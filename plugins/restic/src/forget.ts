// Retention in a repository: `restic forget` with backupbot's policy as its own flags, over one
// item's manifest snapshots on this machine (a manifest exists only for a complete version, so
// an interrupted write never counts as a version to keep). The data snapshots of the versions it
// removed follow, with the data of interrupted writes whose process is gone (restic's own rule
// for stale locks).
import type {RetentionPolicy} from 'backupbot'

import type {Restic} from './restic.js'
import {itemFilter, type Identity, readTags} from './tags.js'
import {orphans, type Snapshot} from './snapshots.js'

interface ForgetGroup {
  remove?: Snapshot[] | null
}

/** restic forget's flags for a policy; empty when it keeps everything. */
export function policyFlags(policy: RetentionPolicy): string[] {
  const counts = [
    ['--keep-last', policy.last],
    ['--keep-hourly', policy.hourly],
    ['--keep-daily', policy.daily],
    ['--keep-weekly', policy.weekly],
    ['--keep-monthly', policy.monthly],
    ['--keep-yearly', policy.yearly],
  ] as const
  const flags = counts.filter(([, n]) => n !== undefined && n > 0).flatMap(([flag, n]) => [flag, String(n)])
  return policy.within ? [...flags, '--keep-within', policy.within] : flags
}

/** The manifest snapshots the policy removes (or would, with dryRun) from one item on one host. */
export async function forgetByPolicy(restic: Restic, identity: Identity, host: string, policy: RetentionPolicy, dryRun: boolean): Promise<Snapshot[]> {
  const flags = policyFlags(policy)
  if (flags.length === 0) return []
  const args = ['forget', '--host', host, '--tag', itemFilter(identity, 'manifest'), '--group-by', 'host', ...flags, ...(dryRun ? ['--dry-run'] : [])]
  // restic 0.14's forget --json prints nothing at all (not `[]`) when no snapshot matches: an item without versions.
  const output = (await restic.run([...args, '--json'])).output()
  const groups = output.trim() === '' ? [] : ((JSON.parse(output) as ForgetGroup[] | null) ?? [])
  return groups.flatMap((group) => group.remove ?? [])
}

/**
 * The data snapshots to forget with an item's removed manifests: theirs, and those of
 * interrupted writes. `snapshots` are the item's on one host, listed before `removed` went; a
 * write whose process still runs is left alone.
 */
export function staleData(snapshots: Snapshot[], removed: Snapshot[]): string[] {
  const gone = new Set(removed.map((s) => s.id))
  // A removed version's data goes whatever its pid tag says now (pids are reused).
  const removedWrites = new Set(removed.map((s) => writeOf(s)))
  return orphans(snapshots.filter((s) => !gone.has(s.id)))
    .filter(({snapshot, pid}) => removedWrites.has(writeOf(snapshot)) || pid === undefined || pid === process.pid || !running(pid))
    .map(({snapshot}) => snapshot.id)
}

function writeOf(snapshot: Snapshot): string {
  return `${snapshot.hostname}\n${readTags(snapshot.tags).write}`
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
