// File checks shared by the compose loader and the files it is pointed to (extends, include).
import {stat} from 'node:fs/promises'

export async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false)
}
