import type {ItemListing} from '../target/list.js'

export function renderListing(items: ItemListing[]): string {
  if (items.length === 0) return 'no backups found'
  const lines: string[] = []
  for (const item of items) {
    lines.push(`${item.service}/${item.folder}/${item.item}${item.error ? `  [${item.error}]` : ''}`)
    if (item.versions.length === 0) lines.push('  no versions')
    for (const v of item.versions) {
      lines.push(v.error ? `  .${v.number}  ${v.error}` : `  .${v.number}  ${v.created}  ${String(v.bytes).padStart(12)} B  sha256:${v.sha256}`)
    }
  }
  return lines.join('\n')
}
