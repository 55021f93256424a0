// What backup.test.ts and restore.test.ts of backup_mysql share: the fake run context and the item.
import type {BackupItem} from 'backupbot'
import {type FakeExec, fakeRunContext, type FakeRunOptions} from 'backupbot/testing'

import type {DumpData} from '../src/plan.js'

/** A run context of backup_mysql whose exec'd commands `exec` answers. */
export const runContext = (exec: (cmd: string[]) => FakeExec, containers?: FakeRunOptions['containers']) =>
  fakeRunContext({exec, containers, scheme: 'backup_mysql'})

export const PASSWORD = 'pw-Zq81!'

/** Database shop of service db, dumped as shopuser. */
export const shop: BackupItem<DumpData> = {
  service: 'db',
  scheme: 'backup_mysql',
  folder: 'mysql',
  name: 'shop',
  source: 'database shop of service db (as shopuser)',
  extension: '.sql',
  compress: true,
  data: {database: 'shop', user: 'shopuser', password: PASSWORD, extraArgs: []},
}
