// The package ships no types; this is the part backupbot reads (prom2json's shape).
declare module 'parse-prometheus-text-format' {
  export interface ParsedFamily {
    name: string
    help: string
    type: string
    metrics: Array<{value?: string; labels?: Record<string, string>}>
  }
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[]
}
