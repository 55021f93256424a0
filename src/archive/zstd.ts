// zstd, both ways. Node's zlib has zstd since 22.15 (createZstdCompress): there it is used in
// this process. Older Node (20, what many of these machines run) has none, so the `zstd` program
// from Debian's package of that name is spawned instead: no compiler, nothing downloaded at
// install time, and no codec of our own.
import {execa} from 'execa'
import {Duplex, type Transform} from 'node:stream'
import zlib from 'node:zlib'

import {parallelBlocks} from './parallel-blocks.js'

/**
 * zstd's own default level, 3: on mixed data (a tar of source files and packages) it is about
 * as fast as level 1 while its output is 15% smaller, and level 6 costs 4x the time for 10% less
 * (level 19 takes 300x). At level 3 one core compresses several hundred MB/s, so on every core
 * the disk or the engine's read, not the compressor, sets the pace; the archive is still much
 * smaller than gzip's, and decompressing is as fast at any level.
 */
export const ZSTD_LEVEL = 3

/**
 * With Node's zstd, the input is cut into 2 MiB blocks, each compressed as a frame of its own,
 * several at once on libuv's thread pool (parallel-blocks.ts); `zstd -d` and Node read the frames
 * one after another as one stream. That costs about 4% of size against one frame. Node's own
 * multithreading (ZSTD_c_nbWorkers) is not used: its stream ends early with it (Node 22.23).
 */
const ZLIB_BLOCK = 2 << 20

/** The zstd part of Node's zlib (22.15+), which @types/node 20 does not describe. */
interface ZlibZstd {
  createZstdCompress(options: {params: Record<number, number>}): ZstdStream
  createZstdDecompress(): Transform
  constants: {ZSTD_c_compressionLevel: number; ZSTD_c_checksumFlag: number; ZSTD_e_end: number}
}

type ZstdStream = Transform & {flush(kind: number, callback: () => void): void}

function zlibZstd(): ZlibZstd | undefined {
  const candidate = zlib as unknown as Partial<ZlibZstd>
  if (typeof candidate.createZstdCompress !== 'function' || typeof candidate.createZstdDecompress !== 'function') return undefined
  return candidate as ZlibZstd
}

/** How zstd runs here: Node's zlib, or the `zstd` program. */
export type ZstdEngine = 'zlib' | 'program'

export function zstdEngine(): ZstdEngine {
  return zlibZstd() ? 'zlib' : 'program'
}

/** Compresses at ZSTD_LEVEL on every core, with a checksum in every frame. */
export function zstdCompressor(engine: ZstdEngine = zstdEngine()): Duplex {
  if (engine === 'program') return zstdProgram([`-${ZSTD_LEVEL}`, '-T0', '-c'])
  const lanes = new ZstdLanes(zlibZstd()!)
  const compressor = parallelBlocks((block) => lanes.compress(block), {blockSize: ZLIB_BLOCK})
  compressor.on('close', () => lanes.close())
  return compressor
}

/**
 * Long-lived zstd streams, one per block being compressed: each block is written into an idle
 * one and ended as a frame (ZSTD_e_end), after which the stream starts the next frame afresh.
 * zlib.zstdCompress would make a new compression context per block, whose native memory Node
 * frees only when the garbage collector gets to it (and does not count it): a backup's memory
 * then grows by hundreds of MB.
 */
class ZstdLanes {
  private readonly idle: Lane[] = []
  private readonly all: Lane[] = []

  constructor(private readonly z: ZlibZstd) {}

  async compress(block: Buffer): Promise<Buffer> {
    const lane = this.idle.pop() ?? this.open()
    const frame = await lane.compress(block, this.z.constants.ZSTD_e_end)
    this.idle.push(lane)
    return frame
  }

  close(): void {
    for (const lane of this.all) lane.stream.destroy()
  }

  private open(): Lane {
    const params = {[this.z.constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL, [this.z.constants.ZSTD_c_checksumFlag]: 1}
    const lane = new Lane(this.z.createZstdCompress({params}))
    this.all.push(lane)
    return lane
  }
}

class Lane {
  private output: Buffer[] = []
  private failed?: (error: Error) => void

  constructor(readonly stream: ZstdStream) {
    stream.on('readable', () => this.take())
    stream.on('error', (error) => this.failed?.(error))
  }

  compress(block: Buffer, end: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.failed = reject
      this.stream.write(block)
      this.stream.flush(end, () => {
        // zlib has pushed all of the frame before it calls the flush's callback; what is still
        // buffered in the stream is taken now.
        this.take()
        this.failed = undefined
        const frame = Buffer.concat(this.output)
        this.output = []
        resolve(frame)
      })
    })
  }

  private take(): void {
    for (let chunk: Buffer | null; (chunk = this.stream.read() as Buffer | null) !== null; ) this.output.push(chunk)
  }
}

/**
 * Decompresses every frame of the input. Node's decompressor reports neither a cut nor trailing
 * bytes: callers put zstdFrameCheck (zstd-frames.ts) in front of it.
 */
export function zstdDecompressor(engine: ZstdEngine = zstdEngine()): Duplex {
  return engine === 'program' ? zstdProgram(['-d', '-c']) : zlibZstd()!.createZstdDecompress()
}

/** What to do when zstd is needed and missing. */
export const INSTALL_ZSTD = 'install the zstd program: apt-get install zstd (or run backupbot on Node.js 22.15 or newer, whose zlib has zstd)'
/** The same, as said inside an error message. */
const INSTALL_BRIEFLY = 'apt-get install zstd'

/** Why zstd cannot be used here, or undefined when it can. */
export async function zstdMissing(): Promise<string | undefined> {
  if (zlibZstd()) return undefined
  const found = await execa('zstd', ['--version'], {reject: false, stdin: 'ignore'})
  if (!found.failed) return undefined
  const why = (found as {code?: string}).code === 'ENOENT' ? 'is not installed (not on PATH)' : `does not run (${found.shortMessage})`
  return `zstd compression needs the zstd program on Node.js ${process.version} (its zlib has no zstd), and the program ${why}`
}

/** A failure of the `zstd` program, in one line. */
export class ZstdProgramError extends Error {
  constructor(
    message: string,
    /** Whether the program could not be started at all. */
    readonly missing: boolean,
  ) {
    super(message)
    this.name = 'ZstdProgramError'
  }
}

/**
 * `zstd -q <args>` as a stream: what is written goes to its standard input, its standard output
 * is read. It fails (ZstdProgramError) when zstd exits with anything but 0; destroying it kills
 * zstd.
 */
function zstdProgram(args: string[]): Duplex {
  const inner = execa('zstd', ['-q', ...args], {buffer: {stdout: false, stderr: true}, encoding: 'buffer', stripFinalNewline: false}).duplex()
  // zstd's failure can surface through a write, the end of input or the output: one error for all.
  const said = (callback: (error?: Error | null) => void) => (error?: Error | null) => callback(error ? programError(error) : error)
  const outer = new Duplex({
    write: (chunk: Buffer, _encoding, callback) => inner.write(chunk, said(callback)),
    final: (callback) => inner.end(said(callback)),
    read: () => inner.resume(),
    destroy: (error, callback) => {
      inner.destroy()
      callback(error)
    },
  })
  inner.on('data', (chunk: Buffer) => {
    if (!outer.push(chunk)) inner.pause()
  })
  inner.on('end', () => outer.push(null))
  inner.on('error', (error) => outer.destroy(programError(error)))
  return outer
}

function programError(error: Error & {code?: string; exitCode?: number; signal?: string; stderr?: unknown}): Error {
  if (error.code === 'ENOENT') return new ZstdProgramError(`the zstd program is not installed (${INSTALL_BRIEFLY})`, true)
  const said = Buffer.isBuffer(error.stderr) || typeof error.stderr === 'string' ? String(error.stderr).trim().split('\n').at(-1)?.trim() : undefined
  if (error.exitCode !== undefined) return new ZstdProgramError(`zstd exited with code ${error.exitCode}${said ? `: ${said}` : ''}`, false)
  if (error.signal) return new ZstdProgramError(`zstd was killed with ${error.signal}`, false)
  return error
}
