// The settings file through the built CLI against a real engine: a named volume backed up with
// no flag but --config, into the targets, with the compression and the retention that the file's
// `$settings` name; then a --target flag sends a run elsewhere and leaves the file's targets alone.
import {expect} from 'chai'
import {execa} from 'execa'
import {readdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {runCli} from '../support/cli.js'
import {useCliSuite} from '../support/compose.js'
import {docker} from '../support/engine.js'

const fixture = fileURLToPath(new URL('../fixtures/stop-start-project', import.meta.url))

describe('backup with the settings file ($settings), real engine', function () {
  this.timeout(180_000)
  const suite = useCliSuite(fixture)
  let configFile: string
  const targets = () => [path.join(suite.work, 'tree-a'), path.join(suite.work, 'tree-b')]
  const itemDir = (target: string) => path.join(target, 'app', 'named_volumes', 'shared')

  before(async function () {
    await suite.project.exec('app', ['sh', '-c', 'echo kept > /data/hello.txt'])
    configFile = path.join(suite.work, 'backupbot.yaml')
    await writeFile(
      configFile,
      [
        'app:',
        '  - type: backup_volume',
        '    volumes: [shared]',
        '$settings:',
        `  targets: [${targets().join(', ')}]`,
        '  compression: zstd',
        '  retention: {keep: 1}',
        '',
      ].join('\n'),
    )
  })

  it('writes into every target of the file, zstd-compressed, keeping one version', async function () {
    for (let run = 0; run < 2; run++) {
      const result = await runCli(['backup', '--config', configFile, '--json'], {cwd: suite.project.dir, env: suite.env})
      const doc = JSON.parse(result.stdout)
      expect(doc.ok).to.equal(true)
      expect(doc.items.map((i: {file: string}) => path.basename(i.file))).to.deep.equal(['shared.tar.zst'])
    }
    for (const target of targets()) {
      expect(await readdir(itemDir(target)), target).to.deep.equal(['shared.1'])
      const artifact = path.join(itemDir(target), 'shared.1', 'shared.tar.zst')
      const {stdout} = await execa('sh', ['-c', 'zstd -dc "$1" | tar -xOf - --wildcards "*hello.txt"', 'sh', artifact])
      expect(stdout).to.equal('kept')
    }
    expect(await readdir(suite.project.dir)).not.to.include('backups')
    for (const service of ['app', 'worker', 'idle']) {
      expect((await docker().getContainer(await suite.project.containerId(service)).inspect()).State.Running, service).to.equal(true)
    }
  })

  it('writes only into a --target given on the command line, with the file\'s compression', async function () {
    const elsewhere = path.join(suite.work, 'elsewhere')
    await runCli(['backup', '--config', configFile, '--target', elsewhere, '--quiet'], {cwd: suite.project.dir, env: suite.env})
    expect(await readdir(path.join(itemDir(elsewhere), 'shared.1'))).to.include('shared.tar.zst')
    for (const target of targets()) expect(await readdir(itemDir(target)), target).to.deep.equal(['shared.1'])
  })
})
