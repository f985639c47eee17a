import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Replace `path` with `bytes` so that a crash leaves the old file or the new one, never a torn mix. */
export async function writeFileDurably (path: string, bytes: Uint8Array, mode = 0o600): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    const file = await open(temp, 'wx', mode)
    try {
      await file.writeFile(bytes)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temp, path)
  } catch (err) {
    await rm(temp, { force: true })
    throw err
  }
  await syncDirectory(dirname(path))
}

// The rename is durable only once the directory entry is on disk too.
async function syncDirectory (dir: string): Promise<void> {
  if (process.platform === 'win32') return // directories cannot be opened for fsync there; NTFS journals the rename
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
