import type { Metrics, Stream } from '@libp2p/interface'

// Bytes each libp2p protocol carried into this process (what its peers sent on that protocol), for the testnet's log:
// the socket meter says how much went on the wire, this says what it was for. libp2p hands every negotiated stream to
// its metrics; the rest of the Metrics interface is inert here.

/** Anything libp2p or a service asks of a metric, answered by doing nothing. */
const inert: unknown = new Proxy(function () {}, { get: (_, key) => key === 'then' ? undefined : inert, apply: () => inert })

export class ProtocolMeter {
  private readonly received = new Map<string, number>()

  /** Inbound bytes per protocol so far. */
  bytesByProtocol (): Record<string, number> {
    return Object.fromEntries(this.received)
  }

  metrics (): Metrics {
    const count = (protocol: string, bytes: number): void => { this.received.set(protocol, (this.received.get(protocol) ?? 0) + bytes) }
    return {
      trackMultiaddrConnection: () => {},
      trackProtocolStream: (stream: Stream) => {
        const protocol = stream.protocol ?? 'unknown'
        stream.addEventListener('message', event => { count(protocol, event.data.byteLength) })
      },
      registerMetric: () => inert,
      registerMetricGroup: () => inert,
      registerCounter: () => inert,
      registerCounterGroup: () => inert,
      registerHistogram: () => inert,
      registerHistogramGroup: () => inert,
      registerSummary: () => inert,
      registerSummaryGroup: () => inert,
      traceFunction: (_name: string, fn: unknown) => fn,
      createTrace: () => undefined
    } as unknown as Metrics
  }
}
