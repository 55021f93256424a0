import {Ajv} from 'ajv'
import {expect} from 'chai'

import {volumesScheme as scheme} from '../src/index.js'

describe('backup_volume options schema', function () {
  const validate = new Ajv({allErrors: true, strict: false}).compile(scheme.optionsSchema)

  it('accepts the default entry and every option', function () {
    expect(validate(scheme.defaultEntry)).to.equal(true)
    const full = {volumes: ['data', 'p_cache'], command: 'tar -cjf', use_mountpoint: false, image: 'db.image', helper_image: 'local/busybox:test', stop: false, extension: '.tar.bz2'}
    expect(validate(full), JSON.stringify(validate.errors)).to.equal(true)
  })

  it('rejects unknown options, a string for volumes, an empty command and an extension with a slash', function () {
    for (const bad of [{volume: ['x']}, {volumes: 'all'}, {volumes: []}, {command: '  '}, {extension: '../x'}, {extension: 'tar'}, {stop: 'yes'}]) {
      expect(validate(bad), JSON.stringify(bad)).to.equal(false)
    }
  })

  it('is also known as backup_volumes', function () {
    expect(scheme.type).to.equal('backup_volume')
    expect(scheme.aliases).to.deep.equal(['backup_volumes'])
  })
})
