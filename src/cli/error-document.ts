// How a failed command reports: the --json document scripts parse on stdout, or the text on
// stderr; one shape everywhere.
export interface ErrorDocument {
  error: {name: string; message: string; exitCode: number; suggestions: string[]}
}

export function errorDocument(error: {name: string; message: string; suggestions?: string[]}, exitCode: number): ErrorDocument {
  return {error: {name: error.name, message: error.message, exitCode, suggestions: error.suggestions ?? []}}
}

/** The error as stderr shows it without --json. */
export function errorText(message: string, suggestions: string[] = []): string {
  return `backupbot: ${message}\n${suggestions.map((s) => `  hint: ${s}\n`).join('')}`
}
