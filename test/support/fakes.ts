// Small in-memory stand-ins for unit tests of pure logic (never for Docker paths).
import type {Config} from '@oclif/core'

import type {ProjectModel, ServiceModel} from '../../src/config/compose/model.js'
import {SecretMasker} from '../../src/log/secrets.js'
import type {StoreRegistry} from '../../src/run/open-store.js'
import type {Logger, SchemeDefinition} from '../../src/scheme.js'
import {registryFrom, type SchemeRegistry} from '../../src/schemes/registry.js'
import type {StoreDefinition} from '../../src/store.js'

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

/** The installed kinds of store: `definitions`, each from a plugin of its own. */
export function stores(...definitions: StoreDefinition[]): StoreRegistry {
  return {byPrefix: new Map(definitions.map((definition) => [definition.prefix, {definition, plugin: `plugin-for-${definition.prefix}`}])), failures: []}
}

/** Stands in for oclif's Config: only runHook, answering as oclif does (successes + failures). */
export function fakeHookConfig(successes: Array<{plugin: string; result: unknown}>, failures: Array<{plugin: string; error: string}> = []): Config {
  return {
    async runHook() {
      return {
        successes: successes.map((s) => ({plugin: {name: s.plugin}, result: s.result})),
        failures: failures.map((f) => ({plugin: {name: f.plugin}, error: new Error(f.error)})),
      }
    },
  } as unknown as Config
}

export {SecretMasker}
