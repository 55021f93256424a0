// A one-line progress display for a terminal: the item being written and its bytes so far,
// redrawn a few times a second on stderr. Only used when stderr is a terminal (never in pipes,
// logs or CI), and erased when the item ends so that log lines stay clean.
import type {Progress} from '../run/progress.js'

export function terminalProgress(stream: NodeJS.WriteStream, intervalMs = 250): Progress {
  return {
    start(label) {
      let bytes = 0
      const started = Date.now()
      const draw = () => {
        const seconds = (Date.now() - started) / 1000
        const rate = seconds > 0 ? ` ${formatBytes(bytes / seconds)}/s` : ''
        stream.write(`\r\u001B[K${label}  ${formatBytes(bytes)}${rate}`)
      }
      const timer = setInterval(draw, intervalMs)
      timer.unref()
      return {
        update: (total) => (bytes = total),
        done() {
          clearInterval(timer)
          stream.write('\r\u001B[K')
        },
      }
    },
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}
