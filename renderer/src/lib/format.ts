// How numbers, times and peers read on screen.

export function shortId (id: string | undefined, keep = 10): string {
  if (id === undefined) return '—'
  return id.length <= keep * 2 + 1 ? id : `${id.slice(0, keep)}…${id.slice(-6)}`
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })

export function formatDateTime (at: number | string): string {
  const date = new Date(at)
  return Number.isNaN(date.getTime()) ? String(at) : dateTime.format(date)
}

export function formatTime (at: number): string {
  return time.format(new Date(at))
}

export function formatRelative (at: number, now = Date.now()): string {
  const seconds = Math.round((at - now) / 1000)
  const abs = Math.abs(seconds)
  const [value, unit] = abs < 60 ? [seconds, 'second'] : abs < 3600 ? [Math.round(seconds / 60), 'minute'] : abs < 86_400 ? [Math.round(seconds / 3600), 'hour'] : [Math.round(seconds / 86_400), 'day']
  return new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }).format(value, unit as Intl.RelativeTimeFormatUnit)
}

export function formatCredits (credits: number): string {
  return `${credits.toLocaleString(undefined, { maximumFractionDigits: 2 })} cr`
}

export function formatPercent (share: number): string {
  return `${(share * 100).toLocaleString(undefined, { maximumFractionDigits: 1 })}%`
}

export function formatScore (score: number): string {
  return score.toLocaleString(undefined, { maximumFractionDigits: 4 })
}

export function formatBytes (bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

export function formatJson (value: unknown): string {
  return JSON.stringify(value, null, 2) ?? String(value)
}

export function formatDuration (ms: number): string {
  const units: Array<[number, string]> = [[86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1000, 'second']]
  for (const [size, unit] of units) {
    if (ms >= size) {
      const value = Math.round((ms / size) * 10) / 10
      return `${value.toLocaleString()} ${unit}${value === 1 ? '' : 's'}`
    }
  }
  return `${ms} ms`
}
