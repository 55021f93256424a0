// Human-readable output of `backup` (stdout); --json prints the result objects instead.
import type {BackupResult, DryRunResult, PlannedHookSet} from '../run/result.js'

export function renderBackupResult(result: BackupResult): string {
  if (result.items.length === 0) return 'nothing to back up'
  const lines = result.items.map((i) => {
    if (i.status !== 'ok') return `${i.status.toUpperCase().padEnd(7)} ${i.service}  ${i.source}  ${i.error}`
    const retention = i.shrank
      ? `  (less than half the size of the version before: nothing removed, check it)`
      : i.removed
        ? `  (removed ${i.removed.length} older version(s))`
        : ''
    const files = i.stores ? i.stores.map((s) => s.file).join(', ') : i.file
    return `ok      ${i.service}  ${i.source}  ${i.bytes} bytes  ${i.seconds} s  ${files}${retention}`
  })
  // Hooks that went well are in the log; a failed one fails the run and is said here.
  for (const h of result.hooks ?? []) if (h.status === 'failed') lines.push(`FAILED  hook ${h.phase}${h.service ? ` ${h.service}` : ''}  ${h.hook}  ${h.error}`)
  const failed = result.items.filter((i) => i.status !== 'ok').length
  lines.push(failed === 0 ? `${result.items.length} item(s) backed up into ${(result.targets ?? [result.target]).join(' and ')}` : `${failed} of ${result.items.length} item(s) failed`)
  return lines.join('\n')
}

export function renderDryRun(result: DryRunResult): string {
  if (result.items.length === 0) return 'dry run: nothing to back up'
  const lines = result.items.map((i) => {
    const stops = i.stops.length > 0 ? `, stopping ${i.stops.join(', ')}` : ''
    const removes = i.wouldRemove?.length ? `; retention would remove the versions created ${i.wouldRemove.join(', ')}` : ''
    return `would back up ${i.service}: ${i.source} (${i.scheme}${stops}) into ${i.folder}${removes}`
  })
  const {services, ...run} = result.hooks ?? {}
  lines.push(...hookLines(run, 'the run'), ...Object.entries(services ?? {}).flatMap(([service, set]) => hookLines(set, service)))
  lines.push(`dry run: nothing was touched`)
  return lines.join('\n')
}

function hookLines(set: PlannedHookSet, around: string): string[] {
  return Object.entries(set).flatMap(([phase, hooks]) => (hooks as string[]).map((hook) => `would run ${phase} hook of ${around}: ${hook}`))
}
