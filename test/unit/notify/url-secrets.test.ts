import {expect} from 'chai'

import {SecretMasker} from '../../../src/log/secrets.js'
import {registerUrlSecrets} from '../../../src/notify/url-secrets.js'

function masked(url: string, text = url): string {
  const masker = new SecretMasker()
  registerUrlSecrets(masker, new URL(url))
  return masker.mask(text)
}

describe('the tokens of a notification URL', function () {
  it('masks a healthchecks.io ping UUID and a ping key with its slug left readable', function () {
    expect(masked('https://hc-ping.com/0f8a2c7e-3b1d-4c5e-9a6f-1234567890ab/fail')).to.equal('https://hc-ping.com/***/fail')
    expect(masked('https://hc.example.com/ping/fqOOd6-F4MMNuCEnzTU01w/nightly')).to.equal('https://hc.example.com/ping/***/nightly')
  })

  it('masks the token in the path of Slack and Discord webhooks', function () {
    expect(masked('https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/XXXXXXXXXXXXXXXXXXXXXXXX')).to.equal('https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/***')
  })

  it('masks a query value named like a credential, however short, and a long one whatever its name', function () {
    expect(masked('https://example.com/hook?token=abc&x=1')).to.equal('https://example.com/hook?token=***&x=1')
    expect(masked('https://example.com/hook?id=0123456789abcdefXYZ')).to.equal('https://example.com/hook?id=***')
  })

  it('masks a password, and a user name that stands alone, also as the server decodes it', function () {
    expect(masked('https://bot:p%40ss-w0rd@example.com/hook', 'p@ss-w0rd and p%40ss-w0rd')).to.equal('*** and ***')
    expect(masked('https://bot:pw@example.com/')).to.equal('https://bot:***@example.com/')
    expect(masked('https://ghp_token@example.com/')).to.equal('https://***@example.com/')
  })

  it('leaves short words alone, so that logs stay readable', function () {
    const url = 'https://example.com/ping/backups?create=1'
    expect(masked(url, `${url} 1 item(s) backed up into /srv/backups`)).to.equal(`${url} 1 item(s) backed up into /srv/backups`)
  })
})
