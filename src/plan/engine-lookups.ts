// Read-only questions the planner asks the engine, connected lazily: a plan that needs no
// engine (host directories, literal options) works without one.
import type {Engine} from '../docker/engine.js'
import {SERVICE_LABEL} from '../docker/labels.js'
import {errorMessage} from '../errors.js'

export function engineLookups(engine: () => Engine, project: string) {
  const containers = async () => engine().composeContainers(project)
  return {
    async containerEnvironment(service: string): Promise<Record<string, string> | undefined> {
      let list
      try {
        list = (await containers()).filter((c) => c.labels[SERVICE_LABEL] === service)
      } catch (error) {
        throw new Error(`the Docker engine could not be asked for service ${service}'s environment: ${errorMessage(error)}`)
      }
      const chosen = list.find((c) => c.state === 'running') ?? list[0]
      return chosen ? engine().containerEnvironment(chosen.id) : undefined
    },
    async containerService(name: string): Promise<string | undefined> {
      const list = await containers().catch(() => [])
      return list.find((c) => c.name === name)?.labels[SERVICE_LABEL]
    },
  }
}
