import {expect} from 'chai'

import {StoreError} from '../src/errors.js'
import {parseRepository} from '../src/repository.js'

describe('restic store: the repository as named', function () {
  it('makes a plain path absolute against cwd, relative or not', function () {
    expect(parseRepository('/srv/restic-repo', '/home/x')).to.deep.equal({value: '/srv/restic-repo', shown: '/srv/restic-repo', secrets: []})
    expect(parseRepository('backups/repo', '/home/x')).to.deep.equal({value: '/home/x/backups/repo', shown: '/home/x/backups/repo', secrets: []})
    expect(parseRepository('../repo/', '/home/x')).to.deep.include({value: '/home/repo'})
  })

  it('takes a name with a colon that is no backend for a path', function () {
    expect(parseRepository('nas:2024', '/srv')).to.deep.include({value: '/srv/nas:2024'})
  })

  it('keeps local: and makes its path absolute', function () {
    expect(parseRepository('local:repo', '/srv')).to.deep.equal({value: 'local:/srv/repo', shown: 'local:/srv/repo', secrets: []})
    expect(parseRepository('local:/abs/repo', '/srv')).to.deep.include({value: 'local:/abs/repo'})
  })

  it('passes sftp:, s3: and a rest: URL without a password on as they are', function () {
    for (const location of ['sftp:user@host:/srv/repo', 'sftp://user@host:2222//srv/repo', 's3:https://127.0.0.1:9000/bucket', 'rest:http://host:8000/', 'rest:https://user@host/']) {
      expect(parseRepository(location, '/srv'), location).to.deep.equal({value: location, shown: location, secrets: []})
    }
  })

  it('masks the password of a rest: URL and lists it, as written and decoded, as a secret', function () {
    const repository = parseRepository('rest:https://backup:s3cr%40t@host:8000/repo/', '/srv')
    expect(repository.value).to.equal('rest:https://backup:s3cr%40t@host:8000/repo/')
    expect(repository.shown).to.equal('rest:https://backup:***@host:8000/repo/')
    expect(repository.secrets).to.have.members(['s3cr%40t', 's3cr@t'])
  })

  it('masks a password with a colon in it, and one that equals the user name', function () {
    expect(parseRepository('rest:http://u:pa:ss@host/', '/srv').shown).to.equal('rest:http://u:***@host/')
    const same = parseRepository('rest:http://pw:pw@host/', '/srv')
    expect(same.shown).to.equal('rest:http://pw:***@host/')
    expect(same.secrets).to.include('pw')
  })

  it('masks a password that is not valid percent-encoding rather than failing on it', function () {
    const repository = parseRepository('rest:http://u:50%off@host/', '/srv')
    expect(repository.shown).to.equal('rest:http://u:***@host/')
    expect(repository.secrets).to.include('50%off')
  })

  it('refuses an empty location with exit code 2 and examples', function () {
    for (const location of ['', '  ', 'local:', 'sftp:', 'rest: ']) {
      expect(() => parseRepository(location, '/srv'))
        .to.throw(StoreError, 'names no repository')
        .that.includes({exitCode: 2})
        .and.has.property('suggestions')
        .that.satisfies((s: string[]) => s.some((line) => line.includes('restic:/srv/restic-repo')))
    }
  })
})
