/** A map that forgets its oldest entry once full: for remembering work already done (verified, decoded) without growing. */
export class BoundedMemo<K, V> {
  private readonly entries = new Map<K, V>()
  private readonly limit: number

  constructor (limit: number) {
    this.limit = limit
  }

  get (key: K): V | undefined {
    return this.entries.get(key)
  }

  has (key: K): boolean {
    return this.entries.has(key)
  }

  set (key: K, value: V): void {
    if (!this.entries.has(key) && this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value as K)
    this.entries.set(key, value)
  }
}
