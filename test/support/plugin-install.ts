// A backupbot with only its core plugins (its own data, cache, config and npm dirs), and the
// offline way to add a plugin to it: `npm pack` (the plugin's prepack builds it), then
// `backupbot plugins:install file:<tgz>`, as the README documents.
import {expect} from 'chai'
import {execa} from 'execa'
import {mkdir, readdir, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {runCli} from './cli.js'

export async function isolatedBackupbot(work: string): Promise<Record<string, string>> {
  const env = {
    BACKUPBOT_DATA_DIR: path.join(work, 'data'),
    BACKUPBOT_CACHE_DIR: path.join(work, 'cache'),
    BACKUPBOT_CONFIG_DIR: path.join(work, 'config'),
    npm_config_cache: path.join(work, 'npm-cache'),
    npm_config_userconfig: path.join(work, 'npmrc'),
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  }
  await writeFile(env.npm_config_userconfig, '')
  return env
}

/** Packs the plugin in `pluginDir` into `<work>/packs` and returns the tarball's path. */
export async function packPlugin(pluginDir: string, work: string, env: Record<string, string>): Promise<string> {
  const packs = path.join(work, 'packs')
  await mkdir(packs, {recursive: true})
  await execa('npm', ['pack', '--pack-destination', packs], {cwd: pluginDir, env, stdin: 'ignore'})
  const tgz = (await readdir(packs)).find((f) => f.endsWith('.tgz'))
  expect(tgz, 'npm pack made a tarball').to.be.a('string')
  return path.join(packs, tgz!)
}

export async function installPackedPlugin(pluginDir: string, work: string, env: Record<string, string>): Promise<void> {
  await runCli(['plugins:install', `file:${await packPlugin(pluginDir, work, env)}`], {cwd: work, env})
}
