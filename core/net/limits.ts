// Hard limits on everything that arrives from the network (mechanisms §1), checked before decoding.

/** A gossiped log-entry header. */
export const MAX_HEADER_BYTES = 1024
/** Any single stream frame (Ethereum's gossip maximum). */
export const MAX_FRAME_BYTES = 1024 * 1024
/** A gossipsub message: headers, or a full body in the baseline mode, plus framing. */
export const MAX_GOSSIP_MESSAGE_BYTES = 64 * 1024
/** Headers returned by one gap-fill request. */
export const MAX_RANGE_ENTRIES = 256
/** How long a body pull waits on one holder before trying the next (gossipsub v2.0's INEED pattern). */
export const HOLDER_TIMEOUT_MS = 1000
