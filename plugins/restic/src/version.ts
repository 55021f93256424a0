// restic 0.14 (Debian 12's) is the oldest this store drives: `backup --stdin --json`, repository
// format 2 (compression). Newer features are not used, so no other version check is needed.
import {execFile} from 'node:child_process'
import {promisify} from 'node:util'

import {notInstalled, StoreError} from './errors.js'

const OLDEST = [0, 14] as const

export async function checkVersion(env: NodeJS.ProcessEnv): Promise<string> {
  const {stdout} = await promisify(execFile)('restic', ['version'], {env}).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT' ? notInstalled() : error
  })
  const match = /restic (\d+)\.(\d+)\.(\d+)/.exec(stdout)
  if (!match) throw new StoreError(`cannot tell restic's version from ${JSON.stringify(stdout.trim())}`, 2)
  const [major, minor] = [Number(match[1]), Number(match[2])]
  if (major < OLDEST[0] || (major === OLDEST[0] && minor < OLDEST[1])) {
    throw new StoreError(`restic ${match[0].slice(7)} is too old: backupbot needs restic ${OLDEST.join('.')} or newer`, 2, ['install a newer restic: https://restic.net'])
  }
  return match[0].slice(7)
}
