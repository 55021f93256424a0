// Turns the `command` option into the argv of the temporary container. No shell: the words are
// passed as they are, so a volume path with odd characters cannot be misread.

/** The words of `command`, with `-` after a trailing `...f` option and the mount point appended. */
export function buildCommand(command: string, mountPoint: string, useMountpoint: boolean): string[] {
  const words = command.trim().split(/\s+/).filter(Boolean)
  if (words.length === 0) throw new Error('command is empty')
  // `tar -czf` names the archive file next: make it standard output, which becomes the artifact.
  if (endsWithFileOption(words)) words.push('-')
  if (useMountpoint) words.push(mountPoint)
  return words
}

function endsWithFileOption(words: string[]): boolean {
  const last = words.at(-1)!
  if (/^-[A-Za-z0-9]*f$/.test(last)) return true
  // tar's old style bundles its first options without a dash: `tar czf`.
  return words.length === 2 && words[0]!.split('/').at(-1) === 'tar' && /^[A-Za-z]*f$/.test(last)
}
