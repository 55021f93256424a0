// A directory tree with what backups must keep: modes, other owners, symlinks (also dangling),
// nested folders, a name with spaces, old mtimes.
import {chmod, chown, lchown, lutimes, mkdir, symlink, utimes, writeFile} from 'node:fs/promises'
import path from 'node:path'

export async function fillSampleTree(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'nested/deeper'), {recursive: true})
  await writeFile(path.join(dir, 'a file with spaces.txt'), 'spaces are fine\n')
  await writeFile(path.join(dir, 'secret.key'), 'only the owner reads this\n')
  await chmod(path.join(dir, 'secret.key'), 0o600)
  await writeFile(path.join(dir, 'run.sh'), '#!/bin/sh\necho hi\n')
  await chmod(path.join(dir, 'run.sh'), 0o755)
  await writeFile(path.join(dir, 'nested/deeper/owned-by-1234.txt'), 'someone else owns this\n')
  await chown(path.join(dir, 'nested/deeper/owned-by-1234.txt'), 1234, 4321)
  await symlink('../a file with spaces.txt', path.join(dir, 'nested/link-to-spaces'))
  await lchown(path.join(dir, 'nested/link-to-spaces'), 1234, 4321)
  await symlink('does-not-exist', path.join(dir, 'dangling'))
  await chmod(path.join(dir, 'nested'), 0o750)
  await utimes(path.join(dir, 'run.sh'), new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'))
  // Whole seconds, well apart from now: an archive (whole seconds in tar) either keeps them or
  // shows it, instead of the check depending on where in a second the tree was made.
  const at = new Date('2024-05-06T07:08:09Z')
  for (const entry of ['a file with spaces.txt', 'secret.key', 'nested/deeper/owned-by-1234.txt']) await utimes(path.join(dir, entry), at, at)
  for (const link of ['nested/link-to-spaces', 'dangling']) await lutimes(path.join(dir, link), at, at)
  for (const folder of ['nested/deeper', 'nested']) await utimes(path.join(dir, folder), at, at)
}
