// The only module that talks to the Docker engine (through dockerode). Everything else gets a
// narrow interface from here, so that another engine can be added behind the same shape.
import Docker from 'dockerode'

import type {Logger} from '../scheme.js'
import {containerState, startContainer, type ContainerState} from './containers.js'
import {removeStaleHelpers} from './helper-container.js'
import {PROJECT_LABEL} from './labels.js'
import {volumeSize, type VolumeSize} from './volumes.js'

export interface ContainerSummary {
  id: string
  name: string
  state: string
  labels: Record<string, string>
}

export interface Engine {
  /** Every container (running or not) that carries a Compose project label. */
  composeContainers(project?: string): Promise<ContainerSummary[]>
  /** The environment of a container, as the engine reports it. */
  containerEnvironment(id: string): Promise<Record<string, string>>
  /** A container's state, undefined when it no longer exists. */
  containerState(id: string): Promise<ContainerState | undefined>
  /** Starts a container and checks that it runs (retries a few times). */
  startContainer(id: string): Promise<void>
  /** Removes the helper containers that killed runs on this machine left behind; returns how many. */
  removeStaleHelpers(log?: Logger): Promise<number>
  /** The bytes a tar of the volume takes (counting stops past `limit`), or undefined when the engine cannot tell. */
  volumeSize(volume: string, limit?: number): Promise<VolumeSize | undefined>
  /** The dockerode client, for the other modules of src/docker/ (createDockerOps) only: never used outside src/docker/. */
  readonly client: Docker
}

export type {ContainerState} from './containers.js'
export type {VolumeSize} from './volumes.js'

export function connectEngine(): Engine {
  // dockerode reads DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH itself.
  const docker = new Docker()
  return {
    client: docker,
    containerState: (id) => containerState(docker, id),
    startContainer: (id) => startContainer(docker, id),
    removeStaleHelpers: (log) => removeStaleHelpers(docker, log),
    volumeSize: (volume, limit) => volumeSize(docker, volume, limit),
    async composeContainers(project) {
      const label = project ? `${PROJECT_LABEL}=${project}` : PROJECT_LABEL
      const list = await docker.listContainers({all: true, filters: {label: [label]}})
      return list.map((c) => ({
        id: c.Id,
        name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
        state: c.State,
        labels: c.Labels ?? {},
      }))
    },
    async containerEnvironment(id) {
      const info = await docker.getContainer(id).inspect()
      const env: Record<string, string> = {}
      for (const entry of info.Config.Env ?? []) {
        const at = entry.indexOf('=')
        if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1)
      }
      return env
    },
  }
}

/** Connects to the engine on first use only. */
export function lazyEngine(): () => Engine {
  let engine: Engine | undefined
  return () => (engine ??= connectEngine())
}
