// The DockerOps a scheme gets in its context, for one compose project, built from the modules
// beside this one. The engine is reached only when an operation is used, so a plan or a run
// that needs no engine works without one.
import type Docker from 'dockerode'

import type {ContainerOps, ContainerRef, DockerOps, ImageOps, Logger, VolumeOps} from '../scheme.js'
import type {Engine} from './engine.js'
import {statusOf} from './engine-errors.js'
import {execIn} from './exec.js'
import {HELPER_LABEL, prepareVolumeRead, readVolume, removeStaleHelpers, runHelper} from './helper-container.js'
import {hostPathContainers} from './host-paths.js'
import {ONEOFF_LABEL, PROJECT_LABEL, SERVICE_LABEL} from './labels.js'
import {type StopJournal, withStopped} from './stop-start.js'
import {createVolume, emptyVolume, volumeExists, volumeIsEmpty, writeVolume} from './volumes.js'

export interface DockerOpsOptions {
  /** The engine, or a function that connects it on first use. */
  engine: Engine | (() => Engine)
  project: string
  journal: StopJournal
  log: Logger
  /** An interrupt: withStopped starts the containers again at once. */
  signal?: AbortSignal
  /** Seconds containers were down in each withStopped that stopped something. */
  onDowntime?: (seconds: number) => void
}

export interface CoreDockerOps extends DockerOps {
  /** Resolves once no withStopped of these ops is in progress (everything it stopped runs again or failed to). */
  settled(): Promise<void>
}

export function createDockerOps(options: DockerOpsOptions): CoreDockerOps {
  const {project, journal, log} = options
  const docker = (): Docker => (typeof options.engine === 'function' ? options.engine() : options.engine).client
  const active = new Set<Promise<unknown>>()
  // Before this process creates helpers, it removes those that killed runs left behind.
  let swept: Promise<unknown> | undefined
  const sweep = () => (swept ??= removeStaleHelpers(docker(), log).catch((error) => log.warn(`looking for stale helper containers: ${(error as Error).message}`)))

  async function projectContainers(service: string, all: boolean): Promise<Docker.ContainerInfo[]> {
    const list = await docker().listContainers({all, filters: {label: [`${PROJECT_LABEL}=${project}`, `${SERVICE_LABEL}=${service}`]}})
    // `docker-compose run` containers carry the service label too; they are not the service.
    return list.filter((c) => c.Labels?.[ONEOFF_LABEL] !== 'True')
  }

  const containers: ContainerOps = {
    async ofService(service) {
      return (await projectContainers(service, false)).filter((c) => c.State === 'running').map(toRef)
    },

    async usingVolume(volume) {
      const list = await docker().listContainers({all: true, filters: {volume: [volume]}})
      // The engine's filter also matches mount destinations: keep exact volume names only, and
      // leave out backupbot's own helper containers (they come and go, and are never stopped).
      return list
        .filter((c) => c.Labels?.[HELPER_LABEL] !== '1' && c.Mounts?.some((m) => m.Type === 'volume' && m.Name === volume))
        .map(toRef)
    },

    async usingHostPath(hostPath) {
      return (await hostPathContainers(docker(), hostPath)).map(toRef)
    },

    withStopped(refs, work) {
      const run = withStopped({docker: docker(), journal, log, project, signal: options.signal, onDowntime: options.onDowntime}, refs, work)
      const tracked = run.catch(() => {})
      active.add(tracked)
      void tracked.then(() => active.delete(tracked))
      return run
    },
  }

  const images: ImageOps = {
    async ofService(service) {
      const list = await projectContainers(service, true)
      const chosen = list.find((c) => c.State === 'running') ?? list[0]
      if (!chosen) return undefined
      return (await docker().getContainer(chosen.Id).inspect()).Image
    },

    async hasTool(image, tool) {
      try {
        await docker().getImage(image).inspect()
      } catch (error) {
        if (statusOf(error) === 404) return false
        throw error
      }
      let handle
      try {
        // The tool is an argument of the script, never spliced into it.
        handle = await runHelper(docker(), {image, cmd: ['sh', '-c', 'command -v "$1"', 'sh', tool]}, log)
      } catch {
        return false // no sh in the image: it cannot start
      }
      handle.stdout.resume()
      handle.stderr.resume()
      return (await handle.exitCode) === 0
    },
  }

  const volumes: VolumeOps = {
    async read(volume, mountPoint, {image}) {
      await sweep()
      return readVolume(docker(), volume, mountPoint, image, log)
    },

    async prepareRead(volume, mountPoint, {image}) {
      await sweep()
      return prepareVolumeRead(docker(), volume, mountPoint, image, log)
    },

    async run(volume, mountPoint, {image, cmd}) {
      await sweep()
      return runHelper(docker(), {image, cmd, volume: {name: volume, mountPoint}}, log)
    },

    exists: (volume) => volumeExists(docker(), volume),

    create: (volume) => createVolume(docker(), volume, log),

    async isEmpty(volume, {image}) {
      await sweep()
      return volumeIsEmpty(docker(), volume, image, log)
    },

    async empty(volume, {image}) {
      await sweep()
      return emptyVolume(docker(), volume, image, log)
    },

    async write(volume, mountPoint, tar, {image}) {
      await sweep()
      // An interrupt ends the upload at once: withStopped starts the users again right away, and
      // nothing may go on writing into their volume then.
      const onAbort = () => tar.destroy(options.signal?.reason instanceof Error ? options.signal.reason : new Error('interrupted'))
      options.signal?.addEventListener('abort', onAbort, {once: true})
      try {
        if (options.signal?.aborted) onAbort()
        return await writeVolume(docker(), volume, mountPoint, tar, image, log)
      } finally {
        options.signal?.removeEventListener('abort', onAbort)
      }
    },
  }

  return {
    containers,
    images,
    volumes,
    exec: (container, cmd, execOptions) => execIn(docker(), container, cmd, execOptions, log),
    async settled() {
      while (active.size > 0) await Promise.all(active)
    },
  }
}

function toRef(c: Docker.ContainerInfo): ContainerRef {
  const service = c.Labels?.[SERVICE_LABEL]
  return {id: c.Id, name: (c.Names?.[0] ?? c.Id).replace(/^\//, ''), running: c.State === 'running', ...(service ? {service} : {})}
}
