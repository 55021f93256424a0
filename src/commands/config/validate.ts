import {BaseCommand} from '../../cli/base-command.js'
import {configFlag} from '../../cli/flags.js'
import {renderConfigValidate} from '../../render/config.js'
import {validateConfig} from '../../run/config-validate.js'
import type {ConfigValidateResult} from '../../run/result.js'

export default class ConfigValidate extends BaseCommand {
  static override summary = 'Check the scheme config file, run settings included, without touching anything.'
  static override description = `Validates the whole file as backup would (every scheme entry against the installed schemes, $settings: keys, cron expression, time zone, URLs, hooks) and reports every problem at once with the file, the path inside it and what to do. Needs no compose project and no Docker engine.

Exit codes: 0 the file is valid; 2 it has problems, or there is no file.`
  static override examples = [
    {command: '<%= config.bin %> config validate', description: 'backupbot.json, .yaml or .yml in the current directory.'},
    {command: '<%= config.bin %> config validate --config /etc/backupbot/backupbot.yaml --json', description: 'One file; {valid, file, services, settings} on stdout.'},
  ]
  static override flags = {...configFlag}

  async run(): Promise<ConfigValidateResult> {
    const {flags} = await this.parse(ConfigValidate)
    this.useLogFlags(flags)
    const result = await validateConfig(flags.config, process.cwd(), await this.schemes())
    this.print(renderConfigValidate(result))
    return result
  }
}
