import type {RestoreResult} from '../run/result.js'

export function renderRestore(result: RestoreResult): string {
  const verb = result.dryRun ? 'would restore' : 'restored'
  const lines = result.items.map((i) => {
    if (i.status !== 'ok') return `${i.status.toUpperCase().padEnd(7)} ${i.service} ${i.item} .${i.version}  ${i.error}`
    const stops = i.stopped.length > 0 ? `, ${result.dryRun ? 'stopping' : 'stopped'} ${i.stopped.join(', ')}` : ''
    const replaced = i.replaced ? ` (${result.dryRun ? 'replacing' : 'replaced'} what was there)` : ''
    return `${verb} ${i.service} ${i.item} .${i.version} -> ${i.destination}${replaced}${stops}`
  })
  if (result.dryRun) lines.push('dry run: nothing was touched')
  return lines.join('\n')
}
