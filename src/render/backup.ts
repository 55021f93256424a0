// Human-readable output of `backup` (stdout); --json prints the result objects instead.
import type {BackupResult, DryRunResult} from '../run/result.js'

export function renderBackupResult(result: BackupResult): string {
  if (result.items.length === 0) return 'nothing to back up'
  const lines = result.items.map((i) =>
    i.status === 'ok'
      ? `ok      ${i.service}  ${i.source}  ${i.bytes} bytes  ${i.seconds} s  ${i.file}`
      : `${i.status.toUpperCase().padEnd(7)} ${i.service}  ${i.source}  ${i.error}`,
  )
  const failed = result.items.filter((i) => i.status !== 'ok').length
  lines.push(failed === 0 ? `${result.items.length} item(s) backed up into ${result.target}` : `${failed} of ${result.items.length} item(s) failed`)
  return lines.join('\n')
}

export function renderDryRun(result: DryRunResult): string {
  if (result.items.length === 0) return 'dry run: nothing to back up'
  const lines = result.items.map((i) => {
    const stops = i.stops.length > 0 ? `, stopping ${i.stops.join(', ')}` : ''
    return `would back up ${i.service}: ${i.source} (${i.scheme}${stops}) into ${i.folder}`
  })
  lines.push(`dry run: nothing was touched`)
  return lines.join('\n')
}
