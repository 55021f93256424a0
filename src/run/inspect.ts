// `backupbot inspect` as a library call: the compose projects as backupbot reads them (the
// given or default compose files, or every project on the engine with --discover), their
// warnings logged. Reads only.
import {loadProjects, type ProjectSource} from '../config/compose/load-projects.js'
import type {ProjectModel} from '../config/compose/model.js'
import {connectEngine, type Engine} from '../docker/engine.js'
import type {Logger} from '../scheme.js'

export interface InspectRequest extends ProjectSource {
  log: Logger
}

export async function inspectProjects(request: InspectRequest, engine: () => Engine = connectEngine): Promise<ProjectModel[]> {
  const projects = await loadProjects(request, engine)
  for (const warning of projects.flatMap((p) => p.warnings)) request.log.warn(warning)
  return projects
}
