import {deepStrictEqual, equal, rejects, throws} from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ConfigError} from '../../../src/errors.js'
import {interpolationEnv, parseDotenv, readDotenv} from '../../../src/config/compose/dotenv.js'

describe('parseDotenv', () => {
  it('reads KEY=VALUE lines and skips blank lines and comments', () => {
    deepStrictEqual(parseDotenv('# a comment\n\nA=1\n  B = two  \n#C=3\n'), {A: '1', B: 'two'})
  })

  it('accepts an export prefix', () => {
    deepStrictEqual(parseDotenv('export A=1\nexport  B=2\nexported=3'), {A: '1', B: '2', exported: '3'})
  })

  it('strips an inline comment from an unquoted value but keeps a # inside a word', () => {
    deepStrictEqual(parseDotenv('A=value # note\nB=pass#word\nC=#only'), {A: 'value', B: 'pass#word', C: ''})
  })

  it('keeps single-quoted values literally', () => {
    deepStrictEqual(parseDotenv(`A='a # not a comment \\n $X'  # comment`), {A: 'a # not a comment \\n $X'})
  })

  it('unescapes double-quoted values', () => {
    deepStrictEqual(parseDotenv('A="line1\\nline2 \\"q\\" \\\\ # kept" # comment'), {A: 'line1\nline2 "q" \\ # kept'})
  })

  it('lets quoted values span several lines', () => {
    deepStrictEqual(parseDotenv('KEY="-----BEGIN\nabc\n-----END"\nNEXT=1\nS=\'x\ny\''), {KEY: '-----BEGIN\nabc\n-----END', NEXT: '1', S: 'x\ny'})
  })

  it('keeps = signs after the first one in the value and allows empty values', () => {
    deepStrictEqual(parseDotenv('URL=postgres://u:p@h/db?a=b\nEMPTY=\nQUOTED=""'), {URL: 'postgres://u:p@h/db?a=b', EMPTY: '', QUOTED: ''})
  })

  it('handles Windows line endings', () => {
    deepStrictEqual(parseDotenv('A=1\r\nB="2"\r\n'), {A: '1', B: '2'})
  })

  it('ignores lines without an equals sign', () => {
    deepStrictEqual(parseDotenv('JUST_A_NAME\nA=1'), {A: '1'})
  })

  it('rejects an unterminated quote, naming the line', () => {
    throws(() => parseDotenv('A=1\nB="open'), /line 2: unterminated double-quoted value for B/)
  })
})

describe('readDotenv', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'backupbot-dotenv-'))
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('reads the .env of a directory', async () => {
    await writeFile(join(dir, '.env'), 'TAG=1.2\n')
    deepStrictEqual(await readDotenv(dir), {TAG: '1.2'})
  })

  it('returns an empty environment when there is no .env', async () => {
    deepStrictEqual(await readDotenv(dir), {})
  })

  it('reports a syntax error as a ConfigError naming the file', async () => {
    await writeFile(join(dir, '.env'), "A='x\n")
    await rejects(readDotenv(dir), (error: unknown) => {
      equal(error instanceof ConfigError, true)
      equal((error as ConfigError).file, join(dir, '.env'))
      return true
    })
  })
})

describe('interpolationEnv', () => {
  it('overlays the process environment over .env, so the process wins', () => {
    deepStrictEqual(interpolationEnv({A: 'dotenv', B: 'dotenv'}, {B: 'process', C: 'process', D: undefined}), {
      A: 'dotenv',
      B: 'process',
      C: 'process',
    })
  })

  it('lets a variable set to an empty string in the process override .env', () => {
    deepStrictEqual(interpolationEnv({A: 'dotenv'}, {A: ''}), {A: ''})
  })
})
