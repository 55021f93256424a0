// What a plugin sees of the compose model: the contract's ProjectInfo and ServiceInfo, copied out
// of the core's model so that internal fields (the raw definition, warnings, config files) never
// become plugin API by accident.
import type {ProjectModel, ServiceModel} from '../config/compose/model.js'
import type {ProjectInfo, ServiceInfo} from '../scheme.js'

export function serviceInfo(service: ServiceModel): ServiceInfo {
  const {name, containerName, image, environment, mounts} = service
  // Copies: a plugin that changes what it was given must not change the core's model.
  return structuredClone({name, ...(containerName === undefined ? {} : {containerName}), ...(image === undefined ? {} : {image}), environment, mounts})
}

export function projectInfo(project: ProjectModel): ProjectInfo {
  return {
    name: project.name,
    directory: project.directory,
    services: Object.fromEntries(Object.entries(project.services).map(([name, service]) => [name, serviceInfo(service)])),
  }
}
