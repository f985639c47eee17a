import { readFile, stat } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'

// The built renderer's files, looked up strictly inside its folder: a path that decodes to anything outside is not found.

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8'
}

export interface StaticFile { readonly body: Buffer, readonly type: string, readonly html: boolean }

/** The file a URL path names, or undefined (not found, outside the folder, or not a file). */
export async function staticFile (root: string, pathname: string): Promise<StaticFile | undefined> {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return undefined
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '')
  const base = resolve(root)
  const file = resolve(base, relative)
  if (!file.startsWith(base + sep)) return undefined
  const type = TYPES[extname(file).toLowerCase()]
  if (type === undefined) return undefined
  try {
    if (!(await stat(file)).isFile()) return undefined
    return { body: await readFile(file), type, html: type.startsWith('text/html') }
  } catch {
    return undefined
  }
}
