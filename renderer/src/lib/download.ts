// Saves text the core returned (a backup, diagnostics) as a file the person keeps; nothing leaves the device.
export function downloadText (fileName: string, text: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => { URL.revokeObjectURL(url) }, 10_000)
}

export async function readFileText (file: File, maxBytes: number): Promise<string> {
  if (file.size > maxBytes) throw new Error(`${file.name} is larger than ${maxBytes} bytes: it is not a Hearth backup.`)
  return await file.text()
}
