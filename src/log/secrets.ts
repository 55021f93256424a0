// Every value registered here is replaced by `***` wherever backupbot prints: logs, errors, --json.
export class SecretMasker {
  private readonly values = new Set<string>()

  add(value: string): void {
    if (value.length > 0) this.values.add(value)
  }

  mask(text: string): string {
    let out = text
    // Longest first, so a secret that contains another is masked whole.
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) {
      out = out.split(value).join('***')
    }
    return out
  }
}
