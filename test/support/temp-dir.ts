// Shared by the target tests: throwaway directories under os.tmpdir().
import {mkdir, mkdtemp, readFile, readdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

/** A fresh temp dir per test, removed afterwards. Call inside a describe(). */
export function useTempDir(): () => string {
  let dir = ''
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'backupbot-target-'))
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })
  return () => dir
}

/** Writes `name` (a relative path) under `dir`, creating its directories. */
export async function writeUnder(dir: string, name: string, text: string): Promise<void> {
  await mkdir(dirname(join(dir, name)), {recursive: true})
  await writeFile(join(dir, name), text)
}

export async function sortedEntries(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort()
}

export async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8'))
}

/** What writeVersion's callers say about an item, for tests where it does not matter. */
export const MANIFEST_SOURCE = {project: 'p', service: 'db', scheme: 'backup_test', item: 'data', source: 'test data', backupbot: '0.0.0'}
