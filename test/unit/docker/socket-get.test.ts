import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {mkdtemp, rm} from 'node:fs/promises'
import {createServer as createHttpServer, type RequestListener} from 'node:http'
import {createServer as createNetServer, type Server, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {buffer, text} from 'node:stream/consumers'

import {socketGet} from '../../../src/docker/socket-get.js'

// Real HTTP servers (Node's, and a raw one for broken framing) on a unix socket, as the engine's.
describe('socketGet: a GET over a unix socket', function () {
  let dir: string
  let server: Server | undefined
  let socketPath: string

  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), 'bb-socket-get-'))
    socketPath = join(dir, 'engine.sock')
  })

  afterEach(async function () {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
    server = undefined
    await rm(dir, {recursive: true, force: true})
  })

  async function serveHttp(handler: RequestListener): Promise<void> {
    server = createHttpServer(handler)
    await new Promise<void>((resolve) => server!.listen(socketPath, resolve))
  }

  async function serveRaw(handler: (socket: Socket) => void): Promise<void> {
    server = createNetServer(handler)
    await new Promise<void>((resolve) => server!.listen(socketPath, resolve))
  }

  it('streams a chunked body of many writes, with status, lower-case headers and the request path', async function () {
    const body = randomBytes(3 * 1024 * 1024)
    let requested = ''
    await serveHttp((req, res) => {
      requested = `${req.method} ${req.url} ${req.headers['x-extra']}`
      res.writeHead(200, {'Content-Type': 'application/x-tar'})
      for (let at = 0; at < body.length; at += 10_000) res.write(body.subarray(at, at + 10_000))
      res.end()
    })
    const response = await socketGet(socketPath, '/v1.41/containers/abc/archive?path=%2Fdata', {'X-Extra': 'yes'})
    expect(response.status).to.equal(200)
    expect(response.headers['content-type']).to.equal('application/x-tar')
    expect(response.headers['transfer-encoding']).to.equal('chunked')
    expect((await buffer(response.body)).equals(body)).to.equal(true)
    expect(requested).to.equal('GET /v1.41/containers/abc/archive?path=%2Fdata yes')
  })

  it('stops reading the socket while its reader does not keep up, and delivers the body whole', async function () {
    const body = randomBytes(8 * 1024 * 1024)
    await serveHttp((_req, res) => res.end(body))
    const response = await socketGet(socketPath, '/')
    await new Promise((resolve) => response.body.once('data', resolve))
    response.body.pause()
    await new Promise((resolve) => setTimeout(resolve, 200))
    // Paused at its 256 KiB mark plus what one socket read brings: not the 8 MB the server sent.
    expect(response.body.readableLength).to.be.within(1, 1024 * 1024)
    response.body.resume()
    const rest = await buffer(response.body)
    expect(rest.length).to.be.lessThan(body.length)
    expect(body.subarray(body.length - rest.length).equals(rest)).to.equal(true)
  })

  it('delivers a small body that came whole before its reader first asked: chunked, with a length, an error without one', async function () {
    await serveHttp((req, res) => {
      if (req.url === '/chunked') return res.writeHead(200).end('small chunked body')
      if (req.url === '/length') return res.writeHead(200, {'Content-Length': '11'}).end('with length')
      res.socket!.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n{"message":"No such container: abc"}')
    })
    const later = async (path: string) => {
      const response = await socketGet(socketPath, path)
      await new Promise((resolve) => setTimeout(resolve, 100))
      return text(response.body)
    }
    expect(await later('/chunked')).to.equal('small chunked body')
    expect(await later('/length')).to.equal('with length')
    expect(JSON.parse(await later('/missing'))).to.deep.equal({message: 'No such container: abc'})
  })

  it('refuses a successful response whose end it could not tell from a broken connection', async function () {
    await serveRaw((socket) => socket.once('data', () => socket.end('HTTP/1.0 200 OK\r\nContent-Type: application/x-tar\r\n\r\ntar bytes until close')))
    const error = await socketGet(socketPath, '/').catch((e: Error) => e)
    expect(error).to.be.an('error').with.property('message').that.matches(/neither a length nor chunked coding/)
  })

  it('reads an error status with a Content-Length body, and an empty one', async function () {
    await serveHttp((req, res) => {
      if (req.url === '/empty') return res.writeHead(204).end()
      const json = JSON.stringify({message: 'Could not find the file /nope in container abc'})
      res.writeHead(404, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json)}).end(json)
    })
    const missing = await socketGet(socketPath, '/containers/abc/archive?path=%2Fnope')
    expect(missing.status).to.equal(404)
    expect(JSON.parse(await text(missing.body))).to.deep.equal({message: 'Could not find the file /nope in container abc'})
    const empty = await socketGet(socketPath, '/empty')
    expect(empty.status).to.equal(204)
    expect(await text(empty.body)).to.equal('')
  })

  it('fails the body when the connection breaks before the last chunk: never a short body taken for whole', async function () {
    await serveHttp((_req, res) => {
      res.writeHead(200)
      res.write(randomBytes(100_000), () => res.socket!.destroy())
    })
    const response = await socketGet(socketPath, '/')
    const error = await buffer(response.body).catch((e: Error) => e)
    expect(error).to.be.an('error').with.property('message').that.matches(/closed the connection before the end of the response/)
  })

  it('fails the body on broken chunked framing, and the request on a response that is not HTTP', async function () {
    await serveRaw((socket) =>
      socket.once('data', (request) => {
        if (request.includes('/garbage')) socket.end('SSH-2.0-OpenSSH\r\n\r\n')
        else socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nnot-hex\r\n')
      }),
    )
    const response = await socketGet(socketPath, '/')
    const error = await buffer(response.body).catch((e: Error) => e)
    expect(error).to.be.an('error').with.property('message').that.matches(/bad chunk size "not-hex"/)
    const refused = await socketGet(socketPath, '/garbage').catch((e: Error) => e)
    expect(refused).to.be.an('error').with.property('message').that.matches(/does not start with an HTTP status line/)
  })

  it('rejects when nothing listens on the socket', async function () {
    const error = await socketGet(join(dir, 'none.sock'), '/').catch((e: Error) => e)
    expect(error).to.be.an('error').with.property('code', 'ENOENT')
  })
})
