// The layers of src/ (ARCHITECTURE.md): data flows from the commands down to the engine and the
// disk, never back up. An import from a folder to one listed above it is a defect, reported with
// the file and the import.
import {expect} from 'chai'
import {readFileSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** Top to bottom. Files directly in src/ (errors.ts, scheme.ts, index.ts) are the bottom layer. */
export const LAYERS = ['testing', 'commands', 'notify', 'metrics', 'cli', 'plugins', 'render', 'daemon', 'schedule', 'run', 'plan', 'config', 'schemes', 'target', 'archive', 'docker', 'log', 'system']

const src = fileURLToPath(new URL('../../../src', import.meta.url))

function rank(file: string): number {
  const [first, ...rest] = path.relative(src, file).split(path.sep)
  if (rest.length === 0) return LAYERS.length
  const at = LAYERS.indexOf(first!)
  if (at < 0) throw new Error(`src/${first} is in no layer: add it to LAYERS in ${fileURLToPath(import.meta.url)}`)
  return at
}

function sources(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  )
}

/** Every relative import (also `import type` and re-exports) that points to a higher layer. */
export function upwardImports(): string[] {
  const found: string[] = []
  for (const file of sources(src)) {
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), match[1]!).replace(/\.js$/, '.ts')
      if (rank(target) < rank(file)) found.push(`${path.relative(src, file)} -> ${path.relative(src, target)}`)
    }
  }
  return found
}

describe('the layers of src/', function () {
  it('has no import that points back up the layers', function () {
    expect(upwardImports()).to.deep.equal([])
  })
})
