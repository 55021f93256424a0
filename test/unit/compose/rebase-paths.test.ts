import {deepStrictEqual} from 'node:assert/strict'

import {rebasePaths} from '../../../src/config/compose/rebase-paths.js'

describe('rebasePaths', () => {
  it('makes relative bind sources and env_file paths absolute, and leaves the rest', () => {
    const service = {
      image: 'x',
      volumes: ['./a:/a:ro', '../b:/b', 'named:/n', '/abs:/abs', '~/home:/h', '/anon', {type: 'bind', source: 'rel', target: '/r'}, {source: './l', target: '/l'}, {type: 'volume', source: 'v', target: '/v'}],
      env_file: ['./one.env', {path: 'two.env', required: false}],
    }
    deepStrictEqual(rebasePaths(service, '/p/q'), {
      image: 'x',
      volumes: ['/p/q/a:/a:ro', '/p/b:/b', 'named:/n', '/abs:/abs', '~/home:/h', '/anon', {type: 'bind', source: '/p/q/rel', target: '/r'}, {source: '/p/q/l', target: '/l'}, {type: 'volume', source: 'v', target: '/v'}],
      env_file: ['/p/q/one.env', {path: '/p/q/two.env', required: false}],
    })
    deepStrictEqual(rebasePaths({env_file: '.env'}, '/p'), {env_file: '/p/.env'})
  })
})
