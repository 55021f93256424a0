import {BaseCommand} from '../cli/base-command.js'
import {renderSchemes} from '../render/schemes.js'
import {listSchemes, type SchemesListing} from '../schemes/registry.js'

export default class Schemes extends BaseCommand {
  static override summary = 'List the installed scheme types and the plugin that provides each.'
  static override examples = [{command: '<%= config.bin %> schemes --json', description: 'As JSON.'}]

  async run(): Promise<SchemesListing> {
    const {flags} = await this.parse(Schemes)
    this.useLogFlags(flags)
    const listing = listSchemes(await this.schemes())
    this.print(renderSchemes(listing))
    return listing
  }
}
