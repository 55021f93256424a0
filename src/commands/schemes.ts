import {BaseCommand} from '../cli/base-command.js'

export interface SchemeListing {
  type: string
  aliases: string[]
  plugin: string
  description: string
}

export default class Schemes extends BaseCommand {
  static override summary = 'List the installed scheme types and the plugin that provides each.'
  static override examples = [{command: '<%= config.bin %> schemes --json', description: 'As JSON.'}]

  async run(): Promise<{schemes: SchemeListing[]; failures: Array<{plugin: string; error: string}>}> {
    const {flags} = await this.parse(Schemes)
    this.useLogFlags(flags)
    const registry = await this.schemes()
    const schemes = registry.list.map(({scheme, plugin}) => ({type: scheme.type, aliases: scheme.aliases ?? [], plugin, description: scheme.description}))
    this.print(schemes.map((s) => `${s.type.padEnd(26)} ${s.plugin.padEnd(36)} ${s.description}`).join('\n') || 'no schemes installed')
    return {schemes, failures: registry.failures}
  }
}
