// What backup.test.ts and restore.test.ts of backup_volume share: the item, and a fake engine
// that records, into `events`, every lookup the scheme makes before and around the stop.
import type {BackupItem, ContainerRef} from 'backupbot'
import {type FakeDockerOptions, recordStops} from 'backupbot/testing'

import type {VolumeItemData} from '../src/plan.js'

/** Volume p_data of service web, at `mountPoint`. */
export function volumeItem(mountPoint: string, data: Partial<VolumeItemData> = {}): BackupItem<VolumeItemData> {
  return {
    service: 'web',
    scheme: 'backup_volume',
    folder: 'named_volumes',
    name: 'data',
    source: `volume p_data at ${mountPoint}`,
    extension: '.tar',
    compress: true,
    data: {volume: 'p_data', mountPoint, stop: true, helperImage: 'helper:1', ...data},
  }
}

export interface Engine {
  /** The containers using p_data (no other volume has any). */
  users: ContainerRef[]
  /** The tools of each image (read at each call, so a test may change it). */
  tools: Record<string, string[]>
}

/**
 * `containers` and `images` of a fake engine: the service image is svc-image, and every call is
 * recorded (`users <volume>`, `stop <running names>`, `start`, `image of <service>`, `has <image> <tool>`).
 */
export function volumeEngine(events: string[], engine: Engine): Required<Pick<FakeDockerOptions, 'containers' | 'images'>> {
  return {
    containers: {
      async usingVolume(volume) {
        events.push(`users ${volume}`)
        return volume === 'p_data' ? engine.users : []
      },
      withStopped: recordStops(events),
    },
    images: {
      async ofService(service) {
        events.push(`image of ${service}`)
        return 'svc-image'
      },
      async hasTool(image, tool) {
        events.push(`has ${image} ${tool}`)
        return engine.tools[image]?.includes(tool) ?? false
      },
    },
  }
}
