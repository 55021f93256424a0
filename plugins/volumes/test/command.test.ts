import {expect} from 'chai'

import {buildCommand} from '../src/command.js'

describe('backup_volume command building', function () {
  it('sends a trailing -f style option to standard output, then appends the mount point', function () {
    expect(buildCommand('tar -czf', '/var/lib/data', true)).to.deep.equal(['tar', '-czf', '-', '/var/lib/data'])
    expect(buildCommand('  tar   -c  -f ', '/d', true)).to.deep.equal(['tar', '-c', '-f', '-', '/d'])
    expect(buildCommand('tar czf', '/d', true)).to.deep.equal(['tar', 'czf', '-', '/d'])
  })

  it('leaves other commands as they are', function () {
    expect(buildCommand('tar -cz', '/d', true)).to.deep.equal(['tar', '-cz', '/d'])
    expect(buildCommand('tar -czf - -C /d .', '/d', false)).to.deep.equal(['tar', '-czf', '-', '-C', '/d', '.'])
    expect(buildCommand('cat czf', '/d', false)).to.deep.equal(['cat', 'czf'])
    expect(buildCommand('tar --create --file', '/d', false)).to.deep.equal(['tar', '--create', '--file'])
  })

  it('appends nothing with use_mountpoint false', function () {
    expect(buildCommand('tar -czf', '/d', false)).to.deep.equal(['tar', '-czf', '-'])
  })

  it('keeps a mount point with spaces as one word (no shell)', function () {
    expect(buildCommand('tar -cf', '/my data', true)).to.deep.equal(['tar', '-cf', '-', '/my data'])
  })

  it('rejects an empty command', function () {
    expect(() => buildCommand('   ', '/d', true)).to.throw('command is empty')
  })
})
