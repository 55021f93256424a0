import type {VerifyResult} from '../run/result.js'

export function renderVerify(result: VerifyResult): string {
  const {store} = result
  const lines: string[] = []
  if (store) lines.push(store.status === 'ok' ? `ok      store ${result.target}  (${store.checks.join(', ')})` : `FAILED  store ${result.target}  ${store.error}`)
  if (result.items.length === 0) return [...lines, `no backups found in ${result.target}`].join('\n')
  lines.push(...result.items.map((i) =>
    i.status === 'ok'
      ? `ok      ${i.service}/${i.folder}/${i.item} .${i.version}  (${i.checks.join(', ')})`
      : `FAILED  ${i.service}/${i.folder}/${i.item} .${i.version}  ${i.error}`,
  ))
  const failed = result.items.filter((i) => i.status !== 'ok').length
  lines.push(failed === 0 ? `${result.items.length} version(s) sound` : `${failed} of ${result.items.length} version(s) failed`)
  if (store?.status === 'failed') lines.push("the store's own check failed")
  return lines.join('\n')
}
