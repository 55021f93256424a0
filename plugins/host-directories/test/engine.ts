// What backup.test.ts and restore.test.ts of backup_host_directories share: the item, and the
// containers of a fake engine recording `users <path>`, `stop <running names>` and `start`.
import type {BackupItem, ContainerRef} from 'backupbot'
import {type FakeDockerOptions, recordStops} from 'backupbot/testing'

export type HostItem = BackupItem<{path: string; stop: boolean}>

/** The item of `path`, bind-mounted by service app. */
export const hostItem = (path: string, stop = false): HostItem => ({service: 'app', scheme: 'backup_host_directories', folder: 'bind_mounts', name: 'data', source: path, extension: '.tar', compress: true, data: {path, stop}})

/** Containers of which `users` bind-mount every path. */
export function hostPathEngine(events: string[], users: ContainerRef[]): Pick<FakeDockerOptions, 'containers'> {
  return {
    containers: {
      async usingHostPath(p) {
        events.push(`users ${p}`)
        return users
      },
      withStopped: recordStops(events),
    },
  }
}
