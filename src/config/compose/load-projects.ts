// The compose projects a command works on: the given or default compose files, or with
// `--discover` every project that has containers on the engine (Compose v1 and v2 labels).
import {resolve} from 'node:path'

import type {Engine} from '../../docker/engine.js'
import {UsageError, errorMessage} from '../../errors.js'
import type {Logger} from '../../scheme.js'
import {projectsFromLabels} from './discover.js'
import {loadProject} from './load-project.js'
import type {ProjectModel} from './model.js'

export interface ProjectSource {
  compose: string[]
  projectName?: string
  discover: boolean
  cwd: string
  env: Record<string, string | undefined>
  /** --project-directory, --env-file, --profile (see LoadProjectOptions). */
  projectDirectory?: string
  envFiles?: string[]
  profiles?: string[]
  /** Services named on the command line (they are in whatever their profiles). */
  services?: string[]
  log?: Logger
}

export async function loadProjects(source: ProjectSource, engine: () => Engine): Promise<ProjectModel[]> {
  const {env, profiles, services, log} = source
  const common = {env, profiles, services, log, envFiles: source.envFiles?.map((file) => resolve(source.cwd, file))}
  if (!source.discover) {
    return [await loadProject({...common, files: source.compose.length > 0 ? source.compose : undefined, projectName: source.projectName, projectDirectory: source.projectDirectory, cwd: source.cwd})]
  }
  const found = projectsFromLabels(await engine().composeContainers())
  if (found.length === 0) throw new UsageError('--discover found no compose project with containers on the Docker engine')
  return Promise.all(
    found.map(async (p) => {
      try {
        return await loadProject({...common, files: p.configFiles, projectName: p.name, cwd: p.workingDir})
      } catch (error) {
        throw new UsageError(`compose project ${p.name} (found by --discover in ${p.workingDir}): ${errorMessage(error)}`)
      }
    }),
  )
}
