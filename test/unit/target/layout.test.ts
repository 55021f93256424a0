import {expect} from 'chai'

import {UsageError} from '../../../src/errors.js'
import {decodeName, encodeName, itemDirectory, versionDirName} from '../../../src/target/layout.js'

const tricky = [
  '', '.', '..', '...', '.hidden', 'a/b', 'a+b', 'a%2Fb', 'a%b', '%', '%25', '+', '/', '//', '/srv/data', 'srv/data',
  'srv//data', 'data/', 'a b', ' ', 'tab\there', 'new\nline', 'nul\0byte', 'del\x7f', 'café', 'cafe\u0301', '日本語', '😀',
  'a\\b', 'a:b', '*?', '$HOME', '`x`', "it's", 'a"b', '-rf', '~', 'UPPER', 'upper', 'x.tar.gz', 'a/../b', 'a/./b', '.a/b',
  '%2E', '%2E.', '%00', 'x'.repeat(200),
]

describe('encodeName', () => {
  it('maps every tricky input to a distinct single safe segment', () => {
    const seen = new Map<string, string>()
    for (const name of tricky) {
      const encoded = encodeName(name)
      expect(encoded, JSON.stringify(name)).to.match(/^[A-Za-z0-9._%+-]+$/)
      expect(encoded).to.not.be.oneOf(['', '.', '..'])
      expect(encoded.startsWith('.'), encoded).to.equal(false)
      expect(seen.get(encoded), `${JSON.stringify(name)} collides`).to.equal(undefined)
      seen.set(encoded, name)
    }
  })

  it('decodes back to the original name for every tricky input', () => {
    for (const name of tricky) expect(decodeName(encodeName(name))).to.equal(name)
  })

  it('round-trips random names built from awkward characters, which makes it injective', () => {
    const alphabet = ['a', 'Z', '0', '.', '/', '+', '%', '2', 'F', ' ', '\n', '\0', '-', '_', 'é', '😀', '\\']
    let seed = 42
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    for (let i = 0; i < 5000; i++) {
      let name = ''
      const length = Math.floor(random() * 8)
      for (let j = 0; j < length; j++) name += alphabet[Math.floor(random() * alphabet.length)]
      if (name.startsWith('./')) continue
      const encoded = encodeName(name)
      expect(encoded).to.match(/^[A-Za-z0-9._%+-]+$/)
      expect(encoded.startsWith('.')).to.equal(false)
      expect(decodeName(encoded), JSON.stringify(name)).to.equal(name)
    }
  })

  it('keeps plain names readable and follows the documented scheme', () => {
    expect(encodeName('data')).to.equal('data')
    expect(encodeName('my-app_v1.2')).to.equal('my-app_v1.2')
    expect(encodeName('data/x')).to.equal('data+x')
    expect(encodeName('/srv/data')).to.equal('+srv+data')
    expect(encodeName('srv/data')).to.equal('srv+data')
    expect(encodeName('a+b')).to.equal('a%2Bb')
    expect(encodeName('a%2Fb')).to.equal('a%252Fb')
    expect(encodeName('a b')).to.equal('a%20b')
    expect(encodeName('é')).to.equal('%C3%A9')
    expect(encodeName('new\nline')).to.equal('new%0Aline')
    expect(encodeName('..')).to.equal('%2E.')
    expect(encodeName('.hidden')).to.equal('%2Ehidden')
    expect(encodeName('')).to.equal('%')
  })

  it('drops a leading ./ so that ./x and x name the same item', () => {
    expect(encodeName('./data')).to.equal('data')
    expect(encodeName('./')).to.equal(encodeName(''))
  })

  it('rejects lone surrogates and names too long for a folder with a UsageError', () => {
    expect(() => encodeName('a\ud800b')).to.throw(UsageError)
    expect(() => encodeName('x'.repeat(201))).to.throw(UsageError, /too long/)
    expect(() => encodeName('é'.repeat(40))).to.throw(UsageError)
  })
})

describe('decodeName', () => {
  it('refuses segments that encodeName would never produce', () => {
    for (const segment of ['', 'a b', 'a/b', '%61', '%2e', '%G0', '%2', '.x', '..', '%FF', '%C3', 'a%']) {
      expect(() => decodeName(segment), JSON.stringify(segment)).to.throw()
    }
  })
})

describe('itemDirectory and versionDirName', () => {
  it('join encoded segments under the target', () => {
    expect(itemDirectory('/backups', 'db', 'bind_mounts', '/srv/data')).to.equal('/backups/db/bind_mounts/+srv+data')
    expect(itemDirectory('/backups', '..', '..', '../x')).to.equal('/backups/%2E./%2E./%2E.+x')
    expect(versionDirName('data/x', 3)).to.equal('data+x.3')
    expect(() => versionDirName('data', -1)).to.throw()
  })
})
