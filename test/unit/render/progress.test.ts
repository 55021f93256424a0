import {expect} from 'chai'

import {formatBytes, terminalProgress} from '../../../src/render/progress.js'

describe('the terminal progress line', function () {
  it('redraws the label and bytes on one line and erases it when done', async function () {
    const written: string[] = []
    const stream = {write: (text: string) => written.push(text)} as unknown as NodeJS.WriteStream
    const shown = terminalProgress(stream, 5).start('web: named_volumes/uploads')
    shown.update(2_500_000)
    await new Promise((r) => setTimeout(r, 30))
    shown.done()
    const last = written.length
    await new Promise((r) => setTimeout(r, 30))
    expect(written.length, 'no drawing after done').to.equal(last)
    expect(written[0]).to.match(/^\r\u001B\[Kweb: named_volumes\/uploads {2}2\.5 MB/)
    expect(written.at(-1)).to.equal('\r\u001B[K')
  })

  it('formats sizes in decimal units', function () {
    expect([0, 999, 1000, 1_234_567, 5e9].map(formatBytes)).to.deep.equal(['0 B', '999 B', '1.0 KB', '1.2 MB', '5.0 GB'])
  })
})
