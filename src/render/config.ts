// Human-readable output of `config validate` (stdout); --json prints the result instead.
import type {ConfigValidateResult} from '../run/result.js'

export function renderConfigValidate(result: ConfigValidateResult): string {
  return `${result.file}: valid (${result.services.length} services, settings: ${result.settings ? 'yes' : 'no'})`
}
