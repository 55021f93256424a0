// The restic store: `--target restic:<repository>`, in restic's own repository syntax.
import type {StoreDefinition} from 'backupbot'

import {ResticStore} from './store.js'

export const resticStore: StoreDefinition = {
  prefix: 'restic',
  apiVersion: 1,
  description: 'a restic repository (local, sftp:, rest:, s3:, b2:, azure:, gs:, swift:, rclone:): encrypted, deduplicated, compressed',
  open: (location, ctx) => new ResticStore(location, ctx),
}
