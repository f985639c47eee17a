/** A typed EventTarget: `noun:verb` events with a typed detail (js-libp2p's convention). */
export class TypedEvents<EventMap extends Record<string, unknown>> extends EventTarget {
  emit<K extends keyof EventMap & string> (type: K, detail: EventMap[K]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }))
  }

  on<K extends keyof EventMap & string> (type: K, listener: (detail: EventMap[K]) => void): () => void {
    const handler = (event: Event): void => listener((event as CustomEvent<EventMap[K]>).detail)
    this.addEventListener(type, handler)
    return () => this.removeEventListener(type, handler)
  }
}
