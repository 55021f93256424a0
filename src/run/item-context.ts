// The RunContext one item gets (backup or restore): its own DockerOps, so that its downtime is its
// own and its stops are awaited, the commands plumbing on top of them, and the archive helpers.
import {archiveOps} from '../archive/index.js'
import type {ProjectModel} from '../config/compose/model.js'
import type {Engine} from '../docker/engine.js'
import {createDockerOps} from '../docker/ops.js'
import type {StopJournal} from '../docker/stop-start.js'
import {projectInfo} from '../plan/plugin-view.js'
import type {Logger, RunContext} from '../scheme.js'
import {createCommandOps} from './command-ops.js'

export interface ItemContextOptions {
  engine: () => Engine
  journal: StopJournal
  project: ProjectModel
  /** The scheme running the item, for messages. */
  scheme: string
  log: Logger
  signal: AbortSignal
  /** Seconds the item's containers were stopped, each time some were. */
  onDowntime?: (seconds: number) => void
}

export interface ItemContext {
  context: RunContext
  /** Resolves once nothing the item stopped still waits to be started again. */
  settled(): Promise<void>
}

export function itemContext(options: ItemContextOptions): ItemContext {
  const {engine, journal, project, log, signal} = options
  const docker = createDockerOps({engine, project: project.name, journal, log, signal, onDowntime: options.onDowntime})
  return {
    context: {
      project: projectInfo(project),
      log,
      signal,
      docker,
      commands: createCommandOps({docker, signal, log, scheme: options.scheme}),
      archive: archiveOps(log, signal),
    },
    settled: () => docker.settled(),
  }
}
