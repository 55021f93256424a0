// A real HTTP server on 127.0.0.1 (a random port) that records every request it gets: what
// webhooks and healthchecks pings arrive at in the tests.
import {createServer, type IncomingHttpHeaders, type IncomingMessage} from 'node:http'
import type {AddressInfo} from 'node:net'

export interface Received {
  method: string
  /** Path and query, as sent. */
  url: string
  headers: IncomingHttpHeaders
  body: string
}

export interface HttpSink {
  /** http://127.0.0.1:PORT */
  url: string
  requests: Received[]
  /** The status to answer a request with (default 200); `undefined`: never answer. */
  answer: (request: Received) => number | undefined
  close(): Promise<void>
}

export async function httpSink(): Promise<HttpSink> {
  const sink: HttpSink = {url: '', requests: [], answer: () => 200, close: async () => {}}
  const server = createServer(async (req, res) => {
    const received = {method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: await bodyOf(req)}
    sink.requests.push(received)
    const status = sink.answer(received)
    if (status !== undefined) res.writeHead(status).end()
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  sink.close = () => {
    // Unanswered requests hold their connections open.
    server.closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return sink
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
