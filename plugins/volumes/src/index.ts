// Scheme backup_volume (alias backup_volumes): one archive per Docker named volume of a service,
// read through the engine while the containers that use the volume are stopped, and written
// back the same way by restore.
import type {SchemeDefinition} from 'backupbot'

import {backupVolume} from './backup.js'
import {optionsSchema, type VolumeOptions} from './options.js'
import {planVolumes, type VolumeItemData} from './plan.js'
import {restoreVolume} from './restore.js'

export type {VolumeItemData} from './plan.js'
export type {VolumeOptions} from './options.js'

export const volumesScheme: SchemeDefinition<VolumeOptions, VolumeItemData> = {
  type: 'backup_volume',
  aliases: ['backup_volumes'],
  apiVersion: 2,
  description: 'tar.gz archives of the named volumes of the service, read while the containers using them are stopped',
  optionsSchema,
  defaultEntry: {volumes: ['all']},
  plan: planVolumes,
  backup: backupVolume,
  restore: restoreVolume,
}
