// Ports for the servers tests start on 127.0.0.1.
import net from 'node:net'

/** A port that was free a moment ago (a server then takes it, not a listening socket handed over). */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
