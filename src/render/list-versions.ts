import type {ItemListing} from '../target/list.js'

/** One block per item; its project and (with --all-hosts) the machine that wrote it when the store records them. */
export function renderListing(items: ItemListing[], options: {allHosts?: boolean} = {}): string {
  if (items.length === 0) return 'no backups found'
  const lines: string[] = []
  for (const item of items) {
    const host = options.allHosts && item.host !== undefined ? `${item.host}: ` : ''
    const project = item.project !== undefined ? `${item.project}/` : ''
    lines.push(`${host}${project}${item.service}/${item.folder}/${item.item}${item.error ? `  [${item.error}]` : ''}`)
    if (item.versions.length === 0) lines.push('  no versions')
    for (const v of item.versions) {
      lines.push(v.error ? `  .${v.number}  ${v.error}` : `  .${v.number}  ${v.created}  ${String(v.bytes).padStart(12)} B  sha256:${v.sha256}`)
    }
  }
  return lines.join('\n')
}
