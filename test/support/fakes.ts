// Small in-memory stand-ins for unit tests of pure logic (never for Docker paths).
import type {ProjectModel, ServiceModel} from '../../src/config/compose/model.js'
import {SecretMasker} from '../../src/log/secrets.js'
import type {Logger, SchemeDefinition} from '../../src/scheme.js'
import {registryFrom, type SchemeRegistry} from '../../src/schemes/registry.js'

export function service(name: string, extra: Partial<ServiceModel> = {}): ServiceModel {
  return {name, environment: {}, mounts: [], definition: {}, ...extra}
}

export function project(services: ServiceModel[], extra: Partial<ProjectModel> = {}): ProjectModel {
  return {
    name: 'proj',
    directory: '/srv/proj',
    configFiles: ['/srv/proj/compose.yaml'],
    services: Object.fromEntries(services.map((s) => [s.name, s])),
    volumes: {},
    warnings: [],
    ...extra,
  }
}

export function quietLogger(): Logger & {lines: string[]} {
  const lines: string[] = []
  return {lines, info: (m) => lines.push(m), warn: (m) => lines.push(`warning: ${m}`), debug: () => {}}
}

export function registry(...schemes: SchemeDefinition<any, any>[]): SchemeRegistry {
  return registryFrom(schemes.map((scheme) => ({scheme, plugin: `plugin-for-${scheme.type}`})))
}

export {SecretMasker}
