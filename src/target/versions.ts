// Finding an item's versions on disk. Only directories named exactly `<encoded item>.<N>` count
// (N canonical: no leading zeros, at most 9 digits), so foreign entries are never touched.
import {readdir} from 'node:fs/promises'

export interface VersionEntry {
  number: number
  name: string
}

const NUMBER = /^(0|[1-9]\d{0,8})$/

/** The version number in an entry name, or undefined when it is not `<encodedItem>.<N>`. */
export function parseVersionName(name: string, encodedItem: string): number | undefined {
  if (!name.startsWith(encodedItem + '.')) return undefined
  const digits = name.slice(encodedItem.length + 1)
  return NUMBER.test(digits) ? Number(digits) : undefined
}

/** The version directories of an item, newest (lowest number) first. [] if itemDir is missing. */
export async function scanVersions(itemDir: string, encodedItem: string): Promise<VersionEntry[]> {
  let entries
  try {
    entries = await readdir(itemDir, {withFileTypes: true})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const versions: VersionEntry[] = []
  for (const entry of entries) {
    const number = parseVersionName(entry.name, encodedItem)
    if (number !== undefined && entry.isDirectory()) versions.push({number, name: entry.name})
  }
  return versions.sort((a, b) => a.number - b.number)
}
