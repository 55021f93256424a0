// Stand-ins for the parts of the contract a test does not exercise: they fail loudly if used.
import type {DockerOps} from 'backupbot'

export async function unused(): Promise<never> {
  throw new Error('not used by this test')
}

/** The DockerOps members only restore uses, for the backup tests' fake. */
export function restoreOpsUnused(): Pick<DockerOps, 'hostPathUsers' | 'volumeExists' | 'createVolume' | 'volumeIsEmpty' | 'emptyVolume' | 'writeVolume'> {
  return {hostPathUsers: unused, volumeExists: unused, createVolume: unused, volumeIsEmpty: unused, emptyVolume: unused, writeVolume: unused}
}
