import {expect} from 'chai'

import {checkPasswordSource, isLocked, notInstalled, resticFailure, StoreError} from '../src/errors.js'

// restic 0.14's own messages (what it prints on standard error).
const WRONG_PASSWORD = 'Fatal: wrong password or no key found\n'
const missingRepository = (path: string) =>
  `Fatal: unable to open config file: stat ${path}/config: no such file or directory\nIs there a repository at the following location?\n${path}\n`
const REST_REFUSED =
  'Fatal: unable to open config file: client.Head: Head "http://127.0.0.1:1/config": dial tcp 127.0.0.1:1: connect: connection refused\n' +
  'Is there a repository at the following location?\nrest:http://127.0.0.1:1/\n'
const SFTP_REFUSED =
  'subprocess ssh: ssh: connect to host 127.0.0.1 port 1: Connection refused\n' +
  'Fatal: unable to open repository at sftp:root@127.0.0.1:/srv/repo: unable to start the sftp session, error: EOF\n'
const LOCKED = 'unable to create lock in backend: repository is already locked by PID 55 on host by root'

describe('restic store: restic’s failures', function () {
  it('a wrong password: exit code 2, pointing at the password variables', function () {
    const error = resticFailure('cat', 1, WRONG_PASSWORD, '/srv/repo')
    expect(error).to.be.instanceOf(StoreError).and.include({exitCode: 2, message: 'wrong password for the restic repository /srv/repo'})
    expect(error.suggestions.join(' ')).to.include('RESTIC_PASSWORD_FILE')
  })

  it('no repository: exit code 2, with the restic init that creates it', function () {
    const error = resticFailure('cat', 1, missingRepository('/x'), '/x')
    expect(error).to.include({exitCode: 2, message: 'there is no restic repository at /x'})
    expect(error.suggestions).to.have.length(1)
    expect(error.suggestions[0]).to.match(/^create it once: restic init --repository-version 2 --repo \/x /)
  })

  it('no repository, whatever the names in its location look like', function () {
    // restic prints the location twice: words in it (`eof` in geoffrey, timeout) say nothing about the network.
    const rest = 'rest:https://backup.geoffrey.example/'
    for (const [stderr, shown] of [
      [missingRepository('/home/geoffrey/restic'), '/home/geoffrey/restic'],
      [missingRepository('/mnt/timeout-tests/repo'), 'local:/mnt/timeout-tests/repo'],
      [`Fatal: unable to open config file: <config/> does not exist\nIs there a repository at the following location?\n${rest}\n`, rest],
    ] as const) {
      expect(resticFailure('cat', 1, stderr, shown), shown).to.include({exitCode: 2, message: `there is no restic repository at ${shown}`})
    }
  })

  it('quotes a location the shell would take apart in the restic init it suggests', function () {
    const error = resticFailure('cat', 1, missingRepository("/srv/it's here"), "/srv/it's here")
    expect(error.suggestions[0]).to.include(`--repo '/srv/it'\\''s here'`)
  })

  it('a server that does not answer is no missing repository: no exit code, restic’s reason', function () {
    for (const [stderr, shown] of [
      [REST_REFUSED, 'rest:http://127.0.0.1:1/'],
      [SFTP_REFUSED, 'sftp:root@127.0.0.1:/srv/repo'],
    ] as const) {
      const error = resticFailure('cat', 1, stderr, shown)
      expect(error.exitCode, shown).to.equal(undefined)
      expect(error.message).to.match(/^restic cat exited with 1 \(repository /).and.match(/connection refused/i)
    }
  })

  it('credentials the server refuses: exit code 2, naming them, not the restic init of a missing repository', function () {
    const rest = 'rest:http://u:***@127.0.0.1:8000/r/'
    const s3 = 's3:https://127.0.0.1:9000/bucket'
    for (const [stderr, shown] of [
      [`Fatal: unable to open config file: unexpected HTTP response (401): 401 Unauthorized\nIs there a repository at the following location?\n${rest}\n`, rest],
      [
        'Fatal: unable to open config file: Stat: The AWS Access Key Id you provided does not exist in our records.\n' +
          `Is there a repository at the following location?\n${s3}\n`,
        s3,
      ],
    ] as const) {
      const error = resticFailure('cat', 1, stderr, shown)
      expect(error, shown).to.include({exitCode: 2})
      expect(error.message).to.include(`the restic repository ${shown} refused the credentials: Fatal: unable to open config file: `)
      expect(error.suggestions.join(' ')).to.include('AWS_ACCESS_KEY_ID').and.not.include('restic init')
    }
  })

  it('a lock that stays: exit code 3, with restic unlock', function () {
    expect(isLocked(LOCKED)).to.equal(true)
    expect(isLocked(WRONG_PASSWORD)).to.equal(false)
    const error = resticFailure('backup', 1, `Fatal: ${LOCKED}\n`, '/srv/repo')
    expect(error).to.include({exitCode: 3})
    expect(error.message).to.equal(`the restic repository /srv/repo stayed locked by another process: Fatal: ${LOCKED}`)
    expect(error.suggestions.join(' ')).to.include('restic unlock')
  })

  it('anything else: the command, how it ended and the last lines restic printed, without progress or colours', function () {
    const stderr = ['{"message_type":"status"}', 'line 1', '', '\x1b[2Kline 2', 'line 3', 'line 4', 'line 5', ''].join('\n')
    const error = resticFailure('backup', 1, stderr, '/srv/repo')
    expect(error.exitCode).to.equal(undefined)
    expect(error.message).to.equal('restic backup exited with 1 (repository /srv/repo): line 2; line 3; line 4; line 5')
    expect(resticFailure('dump', null, '', '/srv/repo').message).to.equal('restic dump was killed (repository /srv/repo)')
  })

  it('no restic: exit code 2 with how to install it', function () {
    expect(notInstalled()).to.include({exitCode: 2})
    expect(notInstalled().suggestions.join(' ')).to.include('apt-get install restic')
  })

  describe('checkPasswordSource', function () {
    it('accepts a password file, command or value in the environment', function () {
      for (const env of [{RESTIC_PASSWORD_FILE: '/run/secrets/restic'}, {RESTIC_PASSWORD_COMMAND: 'pass show restic'}, {RESTIC_PASSWORD: 'pw'}]) {
        expect(() => checkPasswordSource(env, '/srv/repo')).to.not.throw()
      }
    })

    it('refuses, with exit code 2, when none is set (restic would read it from the data on its input)', function () {
      for (const env of [{}, {RESTIC_PASSWORD: ''}, {PATH: '/usr/bin', RESTIC_REPOSITORY: '/srv/repo'}]) {
        expect(() => checkPasswordSource(env, '/srv/repo'))
          .to.throw(StoreError, 'no password for the restic repository /srv/repo')
          .that.includes({exitCode: 2})
      }
    })
  })
})
