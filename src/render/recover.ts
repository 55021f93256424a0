// Human-readable output of `recover` (stdout); --json prints the result object instead.
import type {RecoveryResult} from '../run/recover.js'

export function renderRecovery(result: RecoveryResult): string {
  const lines = [
    ...result.started.map((name) => `started  ${name}`),
    ...result.failed.map((f) => `FAILED   ${f.name}  ${f.error}`),
    ...result.gone.map((name) => `gone     ${name}  (no longer exists; entry dropped)`),
    ...result.skipped.map((s) => `skipped  ${s.name}  ${s.reason}`),
  ]
  if (lines.length === 0) return 'nothing to recover: no container was left stopped by backupbot'
  lines.push(
    result.ok
      ? `${result.started.length} container(s) running again`
      : `${result.failed.length} container(s) could not be started; they stay in the restart journal`,
  )
  return lines.join('\n')
}
