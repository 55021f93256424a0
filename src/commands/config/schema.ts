import {BaseCommand} from '../../cli/base-command.js'
import {buildConfigSchema} from '../../config/scheme/validate-config.js'
import type {JsonSchema} from '../../scheme.js'

export default class ConfigSchema extends BaseCommand {
  static override summary = 'Print the JSON Schema (draft-07) of the scheme config file, for editors.'
  static override description = `The whole file: a list of schemes under each service or container name (for the schemes installed now), $settings and $schema. Save it and point the file at it, and editors complete keys and show their help:
  backupbot.json: "$schema": "./backupbot.schema.json"
  backupbot.yaml: # yaml-language-server: $schema=./backupbot.schema.json
Cron expressions, time zones, URLs and durations are checked by backupbot config validate, not by the schema.`
  static override examples = [{command: '<%= config.bin %> config schema > backupbot.schema.json', description: 'Save it beside the config file.'}]

  async run(): Promise<JsonSchema> {
    const {flags} = await this.parse(ConfigSchema)
    this.useLogFlags(flags)
    const schema = buildConfigSchema(await this.schemes())
    this.print(JSON.stringify(schema, null, 2))
    return schema
  }
}
