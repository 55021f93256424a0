// The compose corpus (test/fixtures/compose-corpus, CC0) and its expected.json notation.
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {homedir} from 'node:os'
import {join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'

export const corpusDir = fileURLToPath(new URL('../fixtures/compose-corpus', import.meta.url))

export const corpusProjects = readdirSync(corpusDir)
  .filter((name) => statSync(join(corpusDir, name)).isDirectory())
  .sort()

export interface Expected {
  project: string
  services: Record<string, {host_directories: string[]; volumes: string[]}>
  volume_names: Record<string, string>
}

export function expectedFor(name: string): Expected {
  return JSON.parse(readFileSync(join(corpusDir, name, 'expected.json'), 'utf8'))
}

/** Back to the corpus notation: `./x` or `.` inside the project, `~/x` under home, else absolute. */
export function notation(path: string, projectDir: string): string {
  const inProject = relative(projectDir, path)
  if (inProject === '') return '.'
  if (!inProject.startsWith('..') && !inProject.startsWith(sep)) return `./${inProject}`
  const inHome = relative(homedir(), path)
  if (inHome === '') return '~'
  if (!inHome.startsWith('..') && !inHome.startsWith(sep)) return `~/${inHome}`
  return path
}

/** The `services` part of expected.json from the seed structure that `inspect` prints. */
export function servicesInNotation(
  seed: Record<string, {host_directories: string[]; volumes: string[]}>,
  projectDir: string,
): Expected['services'] {
  return Object.fromEntries(
    Object.entries(seed).map(([service, s]) => [
      service,
      {host_directories: s.host_directories.map((path) => notation(path, projectDir)), volumes: s.volumes},
    ]),
  )
}
