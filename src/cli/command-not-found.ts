// oclif's command_not_found hook. With topicSeparator " ", oclif reads `recover extra` as the
// command id `recover:extra` and fails before any backupbot command runs, so BaseCommand.catch
// never sees it: this hook gives that error the same shape as every other one (exit 2, and
// under --json the error document on stdout, which scripts parse).
import type {Hook} from '@oclif/core'

import {UsageError} from '../errors.js'
import {errorDocument, errorText} from './error-document.js'

const hook: Hook<'command_not_found'> = async function ({id, argv, config}) {
  const words = id.split(':')
  let error = new UsageError(`unknown command "${words.join(' ')}"`, [`${config.bin} --help lists the commands`])
  for (let cut = words.length - 1; cut > 0; cut--) {
    const command = words.slice(0, cut).join(' ')
    if (config.findCommand(words.slice(0, cut).join(':'))) {
      error = new UsageError(`${command} takes no argument "${words.slice(cut).join(' ')}"`, [`${config.bin} ${command} --help`])
      break
    }
  }
  process.exitCode = error.exitCode
  if ((argv ?? []).includes('--json')) process.stdout.write(`${JSON.stringify(errorDocument(error, error.exitCode), null, 2)}\n`)
  else process.stderr.write(errorText(error.message, error.suggestions))
}

export default hook
