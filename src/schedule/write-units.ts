// Unit files written into a directory (usually /etc/systemd/system): each under a temporary
// name, fsynced, then renamed over the old one, so systemd never reads half a file.
import {rename, rm, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {UsageError} from '../errors.js'
import {fsyncDir, fsyncFile} from '../system/fs-sync.js'
import type {UnitFile} from './systemd-units.js'

/** Returns the paths written. */
export async function writeUnits(dir: string, units: UnitFile[]): Promise<string[]> {
  const isDir = await stat(dir).then((s) => s.isDirectory(), () => false)
  if (!isDir) throw new UsageError(`--unit-dir ${dir} is not a directory`, ['give systemd\'s unit folder, /etc/systemd/system (or ~/.config/systemd/user with systemctl --user)'])
  const written: string[] = []
  for (const unit of units) {
    const file = path.join(dir, unit.file)
    const temp = path.join(dir, `.${unit.file}.${process.pid}.tmp`)
    try {
      await writeFile(temp, unit.text, {mode: 0o644})
      await fsyncFile(temp)
      await rename(temp, file)
    } catch (error) {
      await rm(temp, {force: true})
      throw error
    }
    written.push(file)
  }
  await fsyncDir(dir)
  return written
}
