import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {readFile, readdir, utimes, writeFile} from 'node:fs/promises'
import {hostname} from 'node:os'
import {join} from 'node:path'

import {LockedError} from '../../../src/errors.js'
import {LOCK_FILE, acquireLock} from '../../../src/target/lock.js'
import {useTempDir} from '../../support/temp-dir.js'

/** The pid of a process that has exited (so process.kill(pid, 0) fails with ESRCH). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''])
  return child.pid!
}

async function expectLocked(target: string, match: RegExp): Promise<void> {
  try {
    await acquireLock(target)
  } catch (error) {
    expect(error).to.be.instanceOf(LockedError)
    expect((error as Error).message).to.match(match)
    return
  }
  expect.fail('expected LockedError')
}

describe('acquireLock', () => {
  const tmp = useTempDir()
  const lockPath = () => join(tmp(), LOCK_FILE)

  it('creates the target and a lock file naming this process, and release removes it', async () => {
    const target = join(tmp(), 'new', 'target')
    const release = await acquireLock(target)
    const content = JSON.parse(await readFile(join(target, LOCK_FILE), 'utf8'))
    expect(content).to.include({pid: process.pid, hostname: hostname()})
    expect(new Date(content.started).toISOString()).to.equal(content.started)
    await release()
    expect(await readdir(target)).to.deep.equal([])
    await release() // twice is harmless
  })

  it('refuses a second acquire with a LockedError naming the lock file and pid while held', async () => {
    const release = await acquireLock(tmp())
    await expectLocked(tmp(), new RegExp(`${LOCK_FILE}.*${process.pid}.*delete`))
    await release()
    const again = await acquireLock(tmp())
    await again()
  })

  it('takes over a lock left by a dead process on this host', async () => {
    const pid = deadPid()
    await writeFile(lockPath(), JSON.stringify({pid, hostname: hostname(), started: '2020-01-01T00:00:00.000Z', token: 'old'}))
    const release = await acquireLock(tmp())
    expect(JSON.parse(await readFile(lockPath(), 'utf8')).pid).to.equal(process.pid)
    await release()
    expect(await readdir(tmp())).to.deep.equal([])
  })

  it('refuses a lock held by a live process other than this one', async () => {
    await writeFile(lockPath(), JSON.stringify({pid: process.ppid, hostname: hostname(), started: 'x'}))
    await expectLocked(tmp(), new RegExp(`running process ${process.ppid}`))
  })

  it('refuses a lock from another host, since its pid cannot be checked', async () => {
    await writeFile(lockPath(), JSON.stringify({pid: deadPid(), hostname: 'some-other-host', started: 'x'}))
    await expectLocked(tmp(), /some-other-host/)
  })

  it('refuses a fresh unreadable lock but takes over one older than a minute', async () => {
    await writeFile(lockPath(), '')
    await expectLocked(tmp(), /unreadable/)
    const old = new Date(Date.now() - 120_000)
    await utimes(lockPath(), old, old)
    const release = await acquireLock(tmp())
    await release()
  })

  it('does not remove a lock that is no longer ours on release', async () => {
    const release = await acquireLock(tmp())
    const foreign = JSON.stringify({pid: process.ppid, hostname: hostname(), started: 'x', token: 'theirs'})
    await writeFile(lockPath(), foreign)
    await release()
    expect(await readFile(lockPath(), 'utf8')).to.equal(foreign)
  })
})
