// Compose projects found through the labels Compose (v1 and v2) puts on the containers it creates.
import {isAbsolute, resolve} from 'node:path'

import {CONFIG_FILES_LABEL, PROJECT_LABEL, WORKING_DIR_LABEL} from '../../docker/labels.js'

export interface DiscoveredProject {
  name: string
  workingDir: string
  configFiles: string[]
}

/** One entry per project label, sorted by name; containers without the label are ignored. */
export function projectsFromLabels(containers: Array<{labels: Record<string, string>}>): DiscoveredProject[] {
  const projects = new Map<string, DiscoveredProject>()
  for (const {labels} of containers) {
    const name = labels?.[PROJECT_LABEL]
    if (!name) continue
    let project = projects.get(name)
    if (!project) {
      project = {name, workingDir: '', configFiles: []}
      projects.set(name, project)
    }
    // Containers of one project normally agree; the first one that knows the directory wins.
    if (!project.workingDir && labels[WORKING_DIR_LABEL]) project.workingDir = labels[WORKING_DIR_LABEL]
    for (const file of splitConfigFiles(labels[CONFIG_FILES_LABEL], labels[WORKING_DIR_LABEL] || project.workingDir)) {
      if (!project.configFiles.includes(file)) project.configFiles.push(file)
    }
  }
  return [...projects.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** v2 writes absolute paths; v1 may write them as given to `-f`, relative to the working dir. */
function splitConfigFiles(label: string | undefined, workingDir: string): string[] {
  if (!label) return []
  return label
    .split(',')
    .map((file) => file.trim())
    .filter(Boolean)
    .map((file) => (isAbsolute(file) || !workingDir ? file : resolve(workingDir, file)))
}
