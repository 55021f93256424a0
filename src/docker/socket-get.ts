// A GET to the engine over its unix socket, on a connection of our own, for bulk reads (a volume's
// tar). Node's HTTP client, which dockerode uses, made reading a 1 GB volume ~1 s slower than
// `docker cp` on 2 cores (bench/volume.sh): its parser hands the body over in many small buffers
// through several stream layers. Here the body is the socket's own buffers, sliced. The engine
// answers in chunked coding; it is decoded, not dropped (HTTP/1.0's read-until-close would take
// a connection broken mid-stream for a complete body, and a short tar for a whole one).
import net from 'node:net'
import {Readable} from 'node:stream'

import {ChunkedDecoder} from './chunked-decoder.js'

export interface SocketResponse {
  status: number
  /** Header names in lower case. */
  headers: Record<string, string>
  /** Ends when the whole body arrived; fails if the connection ends before, or the framing is broken. */
  body: Readable
}

/** A status line and headers longer than this are not the engine's. */
const MAX_HEAD = 64 * 1024

export function socketGet(socketPath: string, path: string, headers: Record<string, string> = {}): Promise<SocketResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath)
    let head: Buffer = Buffer.alloc(0)
    let body: Readable | undefined
    let feed: ((data: Buffer) => void) | undefined
    let complete = () => false
    /** The body bytes that came with the header, until the reader first asks. */
    let held: Buffer | undefined
    /** The last push filled the body's buffer: the socket stays paused until the reader asks. */
    let full = false
    let ended = false

    const fail = (error: Error) => {
      if (body) body.destroy(error)
      else reject(error)
      socket.destroy()
    }

    const start = (status: number, fields: Record<string, string>, rest: Buffer) => {
      const length = fields['content-length']
      if (length !== undefined && !/^\d+$/.test(length)) throw new Error(`the engine's response has a bad Content-Length: "${length.slice(0, 20)}"`)
      const chunked = /chunked/i.test(fields['transfer-encoding'] ?? '')
      const bodiless = status === 204 || status === 304
      // Read-until-close cannot tell a whole body from a broken connection: only for an error's message.
      if (status < 300 && !bodiless && !chunked && length === undefined) {
        throw new Error(`the engine's response (status ${status}) has neither a length nor chunked coding, so its end could not be told from a broken connection`)
      }
      // Nothing is decoded before the body's reader asks (so a framing error cannot fire
      // before anyone listens): the socket waits, and what followed the header is held.
      socket.pause()
      held = rest
      body = new Readable({
        // 256 KiB: the consumer's (spool, compressor) block size; the socket pauses beyond it.
        highWaterMark: 256 * 1024,
        read() {
          full = false
          const first = held
          held = undefined
          try {
            if (first) feed!(first)
          } catch (error) {
            return fail(error as Error)
          }
          // The connection may have ended while the reader had not asked yet.
          if (ended) settle()
          else if (!full) socket.resume()
        },
        destroy(error, callback) {
          socket.destroy()
          callback(error)
        },
      })
      const push = (data: Buffer) => {
        full = !body!.push(data)
        if (full) socket.pause()
      }
      if (bodiless) {
        feed = () => finish()
        complete = () => true
      } else if (chunked) {
        const decoder = new ChunkedDecoder()
        feed = (data) => {
          decoder.write(data, push)
          if (decoder.done) finish()
        }
        complete = () => decoder.done
      } else if (length !== undefined) {
        const total = Number(length)
        let received = 0
        feed = (data) => {
          const take = data.subarray(0, total - received)
          received += take.length
          if (take.length > 0) push(take)
          if (received === total) finish()
        }
        complete = () => received === total
      } else {
        // An error status without a length: its message ends with the connection.
        feed = (data) => data.length > 0 && push(data)
        complete = () => true
      }
      resolve({status, headers: fields, body})
    }

    let finished = false
    const finish = () => {
      if (finished) return
      finished = true
      body!.push(null)
      socket.destroy()
    }
    /** The connection ended: the body is whole, or it broke off. */
    const settle = () => {
      if (complete()) finish()
      else fail(new Error("the engine closed the connection before the end of the response (its body broke off)"))
    }

    socket.on('data', (data: Buffer) => {
      try {
        if (feed) return feed(data)
        head = head.length === 0 ? data : Buffer.concat([head, data])
        const end = head.indexOf('\r\n\r\n')
        if (end < 0) {
          if (head.length > MAX_HEAD) throw new Error(`the engine's response has no end of its header after ${MAX_HEAD} bytes`)
          return
        }
        const [statusLine, ...lines] = head.toString('latin1', 0, end).split('\r\n')
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')
        if (!status) throw new Error(`the engine's response does not start with an HTTP status line: "${statusLine?.slice(0, 40)}"`)
        const fields: Record<string, string> = {}
        for (const line of lines) {
          const colon = line.indexOf(':')
          if (colon > 0) fields[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
        }
        start(Number(status[1]), fields, head.subarray(end + 4))
      } catch (error) {
        fail(error as Error)
      }
    })
    socket.on('end', () => {
      if (!body) return fail(new Error('the engine closed the connection before the end of the response'))
      ended = true
      // What the socket delivered before the reader asked is still held: read() settles after it.
      if (held === undefined) settle()
    })
    socket.on('error', fail)
    const lines = [`GET ${path} HTTP/1.1`, 'Host: docker', 'Connection: close', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)]
    socket.write(`${lines.join('\r\n')}\r\n\r\n`)
  })
}
