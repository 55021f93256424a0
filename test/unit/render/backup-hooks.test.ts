// The text output of `backup` with hooks: failed hooks in the result, planned hooks in a dry run.
import {expect} from 'chai'

import {renderBackupResult, renderDryRun} from '../../../src/render/backup.js'

describe('backup output with hooks', function () {
  const item = {project: 'shop', service: 'web', scheme: 'backup_volume', item: 'data', source: 'data', seconds: 1, status: 'ok' as const, bytes: 3, file: '/b/data.tar.gz'}

  it('says which hook failed, and nothing of those that went well', function () {
    const text = renderBackupResult({
      ok: false,
      target: '/b',
      items: [item],
      hooks: [
        {phase: 'before', hook: 'run: true', status: 'ok', seconds: 0},
        {phase: 'after', service: 'web', hook: 'exec web: php occ maintenance:mode --off', status: 'failed', seconds: 1, error: 'exited with code 1'},
      ],
    })
    expect(text.split('\n').slice(1, -1)).to.deep.equal(['FAILED  hook after web  exec web: php occ maintenance:mode --off  exited with code 1'])
  })

  it('lists the hooks a dry run would run, the run\'s and each service\'s', function () {
    const text = renderDryRun({
      dryRun: true,
      target: '/b',
      items: [{project: 'shop', service: 'web', scheme: 'backup_volume', item: 'data', source: 'data', folder: '/b/web', stops: []}],
      hooks: {before: ['run: check'], services: {web: {before: ['exec web: on'], after: ['exec web: off']}}},
    })
    expect(text.split('\n').slice(1, -1)).to.deep.equal([
      'would run before hook of the run: run: check',
      'would run before hook of web: exec web: on',
      'would run after hook of web: exec web: off',
    ])
  })
})
