import {BaseCommand} from '../cli/base-command.js'
import {projectFlags, projectSourceFlags} from '../cli/flags.js'
import {renderInspect} from '../render/inspect.js'
import {inspectResult, type InspectResult} from '../render/inspect-structure.js'
import {inspectProjects} from '../run/inspect.js'

export default class Inspect extends BaseCommand {
  static override summary = 'Show what backupbot finds in a compose project: host directories and named volumes per service.'
  static override description = `Prints {service: {host_directories: [...], volumes: [...], mounts: [...]}}: host_directories are the absolute host paths of the bind mounts, volumes the compose names of the named volumes, and mounts every volume entry with its target, engine volume name and whether it is backed up. Services that the active compose profiles leave out (see --profile) are listed under $left_out with their profiles: they are not backed up. With --discover the output is keyed by project name first.`
  static override examples = [
    {command: '<%= config.bin %> inspect --json', description: 'The compose project in the current directory, as JSON.'},
    {command: '<%= config.bin %> inspect -f compose.yaml -f compose.prod.yaml', description: 'Two merged compose files.'},
    {command: '<%= config.bin %> inspect --discover', description: 'Every compose project with containers on the engine.'},
  ]
  static override flags = {...projectFlags}

  async run(): Promise<InspectResult> {
    const {flags} = await this.parse(Inspect)
    const log = this.useLogFlags(flags)
    const projects = await inspectProjects({
      ...projectSourceFlags(flags),
      cwd: process.cwd(),
      env: process.env,
      log,
    })
    this.print(renderInspect(projects))
    return inspectResult(projects, flags.discover)
  }
}
