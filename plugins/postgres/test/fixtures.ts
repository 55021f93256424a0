// What backup.test.ts and restore.test.ts of backup_postgres share: a plain dump and the items.
import type {BackupItem} from 'backupbot'

import type {DumpData} from '../src/plan.js'

/** A plain pg_dump of one database, as a current pg_dump writes it (with \restrict lines), a NULL in its COPY data. */
export const DUMP = [
  '--',
  '-- PostgreSQL database dump',
  '--',
  '',
  '\\restrict HyXCiRANFMTWgvXqC7EgM',
  'CREATE TABLE public.t (x text);',
  'COPY public.t (x) FROM stdin;',
  'grüße',
  '\\N',
  '\\.',
  '',
  '--',
  '-- PostgreSQL database dump complete',
  '--',
  '',
  '\\unrestrict HyXCiRANFMTWgvXqC7EgM',
  '',
  '',
].join('\n')

export const PASSWORD = 'pw-Zq81!'

/** Database shop of service db, dumped plain as shopadmin. */
export const shop: BackupItem<DumpData> = {
  service: 'db',
  scheme: 'backup_postgres',
  folder: 'postgres',
  name: 'shop',
  source: 'database shop of service db (as shopadmin, plain)',
  extension: '.sql',
  compress: true,
  data: {database: 'shop', user: 'shopadmin', password: PASSWORD, format: 'plain', extraArgs: []},
}
/** Every database (pg_dumpall). */
export const all: BackupItem<DumpData> = {...shop, name: 'all-databases', data: {...shop.data, database: undefined}}
/** shop in pg_dump's custom format, which the core does not compress again. */
export const custom: BackupItem<DumpData> = {...shop, extension: '.dump', compress: false, data: {...shop.data, format: 'custom'}}
