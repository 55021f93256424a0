import type {VerifyResult} from '../run/result.js'

export function renderVerify(result: VerifyResult): string {
  if (result.items.length === 0) return `no backups found in ${result.target}`
  const lines = result.items.map((i) =>
    i.status === 'ok'
      ? `ok      ${i.service}/${i.folder}/${i.item} .${i.version}  (${i.checks.join(', ')})`
      : `FAILED  ${i.service}/${i.folder}/${i.item} .${i.version}  ${i.error}`,
  )
  const failed = result.items.filter((i) => i.status !== 'ok').length
  lines.push(failed === 0 ? `${result.items.length} version(s) sound` : `${failed} of ${result.items.length} version(s) failed`)
  return lines.join('\n')
}
