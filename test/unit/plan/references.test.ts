import {expect} from 'chai'

import {createResolver} from '../../../src/plan/references.js'
import {project, service} from '../../support/fakes.js'

const model = project([
  service('db', {
    containerName: 'the-db',
    image: 'mariadb:10',
    environment: {MYSQL_PASSWORD: 'from-compose', MYSQL_USER: 'app'},
    definition: {image: 'mariadb:10', labels: {tier: 'data'}, environment: ['MYSQL_PASSWORD=from-compose', 'MYSQL_USER=app']},
  }),
])

describe('resolving key references in scheme options', function () {
  const fromContainer = async (name: string) => (name === 'db' ? {ONLY_IN_CONTAINER: 'runtime-value'} : undefined)
  const resolve = createResolver(model, fromContainer)

  it('reads service.environment.KEY from the compose model, also when environment is a list', async function () {
    expect(await resolve('db.environment.MYSQL_PASSWORD')).to.equal('from-compose')
  })

  it('reads any dotted path into the service definition', async function () {
    expect(await resolve('db.image')).to.equal('mariadb:10')
    expect(await resolve('db.labels.tier')).to.equal('data')
  })

  it('accepts the container name in place of the service name', async function () {
    expect(await resolve('the-db.environment.MYSQL_USER')).to.equal('app')
  })

  it("falls back to the running container's environment", async function () {
    expect(await resolve('db.environment.ONLY_IN_CONTAINER')).to.equal('runtime-value')
  })

  it('takes values that do not start with a service name as literals', async function () {
    expect(await resolve('root')).to.equal('root')
    expect(await resolve('p4ss.word')).to.equal('p4ss.word')
  })

  it('fails on an unresolvable reference, naming it', async function () {
    let message = ''
    await resolve('db.environment.NOPE').catch((error: Error) => (message = error.message))
    expect(message).to.contain('"db.environment.NOPE"').and.to.contain('nor in its container')
  })
})
