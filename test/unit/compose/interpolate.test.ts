import {deepStrictEqual, equal, throws} from 'node:assert/strict'

import {ConfigError} from '../../../src/errors.js'
import {InterpolationError, interpolateString, interpolateTree} from '../../../src/config/compose/interpolate.js'

const env = {SET: 'value', EMPTY: '', OTHER: 'other'}

function interpolate(text: string, vars: Record<string, string | undefined> = env): {value: string; unset: string[]} {
  const unset: string[] = []
  const value = interpolateString(text, vars, (name) => unset.push(name))
  return {value, unset}
}

describe('interpolateString', () => {
  it('replaces $VAR and ${VAR} with the variable', () => {
    equal(interpolate('a-$SET-b').value, 'a-value-b')
    equal(interpolate('a${SET}b').value, 'avalueb')
    equal(interpolate('$SET.$OTHER').value, 'value.other')
  })

  it('turns an unset variable into a blank string and reports it', () => {
    deepStrictEqual(interpolate('x${MISSING}y$ALSO_MISSING'), {value: 'xy', unset: ['MISSING', 'ALSO_MISSING']})
  })

  it('treats names of Object properties such as $constructor as ordinary unset variables', () => {
    deepStrictEqual(interpolate('[$constructor][${toString:-d}]'), {value: '[][d]', unset: ['constructor']})
  })

  it('uses the default of ${VAR:-default} when the variable is unset or empty', () => {
    deepStrictEqual(interpolate('${MISSING:-dflt}'), {value: 'dflt', unset: []})
    equal(interpolate('${EMPTY:-dflt}').value, 'dflt')
    equal(interpolate('${SET:-dflt}').value, 'value')
  })

  it('uses the default of ${VAR-default} only when the variable is unset', () => {
    equal(interpolate('${MISSING-dflt}').value, 'dflt')
    equal(interpolate('${EMPTY-dflt}').value, '')
    equal(interpolate('${SET-dflt}').value, 'value')
  })

  it('uses the alternative of ${VAR:+alt} only when the variable is set and not empty', () => {
    equal(interpolate('${SET:+alt}').value, 'alt')
    equal(interpolate('${EMPTY:+alt}').value, '')
    deepStrictEqual(interpolate('${MISSING:+alt}'), {value: '', unset: []})
  })

  it('uses the alternative of ${VAR+alt} whenever the variable is set, even empty', () => {
    equal(interpolate('${SET+alt}').value, 'alt')
    equal(interpolate('${EMPTY+alt}').value, 'alt')
    equal(interpolate('${MISSING+alt}').value, '')
  })

  it('throws for ${VAR:?msg} when the variable is unset or empty, naming the variable and the message', () => {
    for (const text of ['${MISSING:?please set it}', '${EMPTY:?please set it}']) {
      throws(() => interpolate(text), (error: unknown) => {
        equal(error instanceof InterpolationError, true)
        const e = error as InterpolationError
        equal(e.variable, text.slice(2, text.indexOf(':')))
        equal(e.message, `required variable ${e.variable} is missing a value: please set it`)
        return true
      })
    }
    equal(interpolate('${SET:?nope}').value, 'value')
  })

  it('throws for ${VAR?msg} only when the variable is unset', () => {
    throws(() => interpolate('${MISSING?needed here}'), /required variable MISSING is not set: needed here/)
    equal(interpolate('${EMPTY?needed}').value, '')
  })

  it('names the variable even when ${VAR:?} has no message', () => {
    throws(() => interpolate('${MISSING:?}'), /^InterpolationError: required variable MISSING is missing a value$/)
  })

  it('turns $$ into a literal $ without expanding what follows', () => {
    equal(interpolate('$$SET').value, '$SET')
    equal(interpolate('--password="$$(cat /run/secrets/x)"').value, '--password="$(cat /run/secrets/x)"')
    equal(interpolate('$${SET}').value, '${SET}')
  })

  it('keeps a lone $ that starts no variable, as compose-go does', () => {
    equal(interpolate('cost: 5$ or $1').value, 'cost: 5$ or $1')
    equal(interpolate('end$').value, 'end$')
  })

  it('expands nested defaults such as ${A:-${B}}', () => {
    equal(interpolate('${MISSING:-${SET}}').value, 'value')
    equal(interpolate('${MISSING:-${ALSO:-${OTHER}/x}}').value, 'other/x')
    equal(interpolate('${MISSING:-a}${SET}').value, 'avalue')
    equal(interpolate('${MISSING:-$$literal}').value, '$literal')
  })

  it('interpolates a default only when it is used', () => {
    deepStrictEqual(interpolate('${SET:-${NOT_NEEDED}}'), {value: 'value', unset: []})
    equal(interpolate('${SET:-${NOT_NEEDED:?boom}}').value, 'value')
  })

  it('rejects a malformed ${...}', () => {
    throws(() => interpolate('${'), /missing "}"/)
    throws(() => interpolate('${1abc}'), /invalid interpolation format/)
    throws(() => interpolate('${A B}'), /invalid interpolation format/)
  })
})

describe('interpolateTree', () => {
  it('interpolates every string value and leaves keys and other scalars alone', () => {
    const tree = {services: {$SET: {image: 'img:${SET}', ports: ['${OTHER}:80', 80], privileged: true, x: null}}}
    deepStrictEqual(interpolateTree(tree, env, 'compose.yaml'), {
      services: {$SET: {image: 'img:value', ports: ['other:80', 80], privileged: true, x: null}},
    })
  })

  it('throws a ConfigError naming the file, the key path and the variable', () => {
    const tree = {services: {db: {environment: ['A=1', 'PASSWORD=${DB_PASSWORD:?set DB_PASSWORD in .env}']}}}
    throws(() => interpolateTree(tree, env, '/p/compose.yaml'), (error: unknown) => {
      equal(error instanceof ConfigError, true)
      const e = error as ConfigError
      equal(e.file, '/p/compose.yaml')
      equal(e.path, 'services.db.environment[1]')
      equal(e.message, '/p/compose.yaml: services.db.environment[1]: required variable DB_PASSWORD is missing a value: set DB_PASSWORD in .env')
      return true
    })
  })

  it('quotes keys with dots in the key path of an error', () => {
    throws(() => interpolateTree({environment: {'discovery.type': '${X?}'}}, {}, 'f'), (error: unknown) => {
      equal((error as ConfigError).path, 'environment["discovery.type"]')
      return true
    })
  })
})
