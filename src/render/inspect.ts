// Human-readable output of `inspect` (stdout); --json prints ./inspect-structure.ts's instead.
import type {ProjectModel} from '../config/compose/model.js'

export function renderInspect(projects: ProjectModel[]): string {
  return projects
    .map((project) => {
      const lines = [`project ${project.name} (${project.directory})`]
      for (const service of Object.values(project.services)) {
        lines.push(`  ${service.name}`)
        if (service.mounts.length === 0) lines.push('    no volumes')
        for (const m of service.mounts) {
          const what = m.type === 'volume' ? `volume ${m.source} (${m.volumeName})` : m.type === 'bind' ? `bind ${m.source}` : m.type
          lines.push(`    ${m.target} <- ${what}${m.backedUp ? '' : `  [not backed up: ${m.reason}]`}`)
        }
      }
      for (const [name, {profiles}] of Object.entries(project.leftOut ?? {})) {
        lines.push(`  ${name}  [left out: profiles ${profiles.join(', ')} not active]`)
      }
      return lines.join('\n')
    })
    .join('\n\n')
}
