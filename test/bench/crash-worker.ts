import '../../core/common/polyfills.ts'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { createAppCore, type AppCore } from '../../core/app/index.ts'
import { sha256 } from '../../core/common/hash.ts'
import { createRandom, randomInt, streamSeed, type Random } from '../../core/common/random.ts'
import { TOPICS } from '../../core/discovery/descriptor.ts'
import { encodeBundle } from '../../core/identity/bundle.ts'
import type { Signer } from '../../core/identity/envelope.ts'
import { verifyChain } from '../../core/identity/baid.ts'
import { TEST_KDF_COST } from '../../core/identity/passphrase-box.ts'
import { sealReceipt } from '../../core/reputation/receipt.ts'
import { buildChain, testSigner } from '../helpers/identity.ts'

// The crash bench's child (`bench crash`): the app core over a real data directory (file keystore, real SQLite), writing
// through the app's own paths in a loop — requests into the approval queue as negotiation asks them, the person's
// decisions as the Inbox sends them (`inbox.decide`), receipts of its own tasks, ratings gossiped by others — and
// printing one line per write: `begin` before it, `ack` once it has returned (committed). The parent SIGKILLs it.
//
// stdout protocol (one JSON object a line): {ready, pending, startup_ms}, then after "go" on stdin, {begin, …} / {ack, …}.
// stdin: "go" starts writing, "stop" closes the app cleanly and exits 0.

const PEERS = 6
const CAPABILITIES = ['builtin/word-count', 'builtin/echo', 'summarise', 'translate', 'lint', 'plot'] as const
/** Far enough ahead that no request expires during a run: the queue after a restart is exactly what was left pending. */
const DEADLINE_MS = 7 * 24 * 3600 * 1000
// Short, so a grant answers a few requests and then the queue fills again.
const GRANT_TTL_MS = 3_000
const MAX_QUEUE = 60
/**
 * The harness's own check (HEARTH_CRASH_FAULT=ack-before-write): receipts and ratings acknowledged before they are written,
 * as a write-behind queue would. `bench crash` must then report losses; a harness that cannot see them proves nothing.
 */
const ACK_BEFORE_WRITE = process.env.HEARTH_CRASH_FAULT === 'ack-before-write'
const WRITE_BEHIND_MS = 100

interface Peer { readonly signer: Signer, readonly baid: Uint8Array, readonly bundle: Uint8Array }

/** The other agents: fixed keys (so every run knows the same peers), their BAID chains issued at the bench's epoch. */
function crashPeers (epoch: number): Peer[] {
  const seed = (label: string, i: number): Uint8Array => sha256(new TextEncoder().encode(`hearth-crash-${label}-${i}`))
  return Array.from({ length: PEERS }, (_, i) => {
    const owner = testSigner(seed('owner', i))
    const signer = testSigner(seed('agent', i))
    const chain = verifyChain(buildChain(owner, [signer], epoch).map(l => l.envelope.bytes))
    return { signer, baid: chain.genesisHash, bundle: encodeBundle(chain) }
  })
}

const line = (value: unknown): void => { process.stdout.write(`${JSON.stringify(value)}\n`) }
const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, seed: { type: 'string', default: '1' }, run: { type: 'string', default: '0' }, epoch: { type: 'string' } } })
  const dataDir = values['data-dir']
  const passphrase = process.env.HEARTH_PASSPHRASE
  if (dataDir === undefined || values.epoch === undefined || passphrase === undefined) throw new Error('crash-worker needs --data-dir, --epoch and HEARTH_PASSPHRASE')
  const run = Number(values.run)
  const random = createRandom(streamSeed(Number(values.seed), run))
  const started = performance.now()
  const app = await createAppCore({ dataDir, keystore: 'file', passphrase: async () => passphrase, kdfCost: TEST_KDF_COST, interactive: () => true })
  const host = app.host()
  if (!host.identity.exists()) {
    // Offline first, so creating the identity does not join the network: the bench measures the store, not libp2p.
    await app.request('agent.serving.set', { serving: 'offline' })
    await app.request('identity.create', { keystore: 'file' })
  }
  const peers = crashPeers(Number(values.epoch))
  // As a requester's bundle arrives with each task: known peers, so receipts and ratings naming them count.
  for (const peer of peers) host.identity.importBundle(peer.bundle)
  const self = await host.identity.agentSigner()
  const { pending } = await app.request('inbox.list', {})
  line({ ready: true, run, pending: pending.map(p => ({ id: p.id, task: p.task })), startup_ms: Math.round(performance.now() - started) })

  const input = createInterface({ input: process.stdin })
  let writing = false
  for await (const command of input) {
    if (command === 'go' && !writing) {
      writing = true
      writeLoop(app, { run, random, peers, self, queue: pending.map(p => p.id) }, () => !writing).catch(fail)
    } else if (command === 'stop') {
      writing = false
      break
    }
  }
  await new Promise(resolve => setImmediate(resolve))
  await app.stop()
  process.exit(0)
}

interface LoopState { run: number, random: Random, peers: Peer[], self: Signer, queue: string[] }

/** Writes, one after another, until stopped (or killed): each is committed by the app before its ack is printed. */
async function writeLoop (app: AppCore, state: LoopState, stopped: () => boolean): Promise<void> {
  const { random, peers, queue } = state
  const host = app.host()
  const synchronous = (): number => host.db.pragma('synchronous', { simple: true }) as number
  let n = 0
  while (!stopped()) {
    n++
    const roll = random()
    const peer = peers[randomInt(random, peers.length)]!
    const topic = TOPICS[randomInt(random, TOPICS.length)]!
    // Requests outnumber decisions a little (some are answered at once by a grant), so a queue stands at each kill.
    if ((roll < 0.4 && queue.length < MAX_QUEUE) || (roll < 0.65 && queue.length === 0)) {
      const task = `crash-${state.run}-${n}`
      line({ begin: 'enqueue', task })
      const sync = synchronous()
      // The negotiation plane's ask for an incoming task: stored (pending, or decided at once by a grant) before it returns.
      const asked = host.policy.approvals.request({
        task,
        peer: peer.baid,
        capability: CAPABILITIES[randomInt(random, CAPABILITIES.length)]!,
        topic,
        price: 1 + randomInt(random, 5),
        payload: { text: `request ${task}` },
        deadline: Date.now() + DEADLINE_MS
      })
      asked.catch(() => {})
      const record = host.policy.approvals.store.byTask('serve', task)
      if (record === undefined) throw new Error(`request for ${task} was not stored`)
      if (record.status === 'pending') queue.push(record.id)
      line({ ack: 'enqueue', task, id: record.id, status: record.status, sync })
    } else if (roll < 0.65) {
      const id = queue.splice(randomInt(random, queue.length), 1)[0]!
      const pick = random()
      const decision = pick < 0.4 ? 'allow-once' : pick < 0.7 ? 'deny' : 'allow-grant'
      line({ begin: 'decide', id, decision })
      const sync = synchronous()
      // Exactly what the Inbox (and `hearth inbox approve|deny`) sends: the decision, its grant and its audit line in one transaction.
      const record = await app.request('inbox.decide', { id, decision, ...(decision === 'allow-grant' ? { ttlMs: GRANT_TTL_MS } : {}) })
      line({ ack: 'decide', id, decision, status: record.status, ...(record.grantId === undefined ? {} : { grantId: record.grantId }), sync })
    } else if (roll < 0.83) {
      const asRequester = random() < 0.5
      const bytes = sealReceipt({ task: `crash-${state.run}-${n}`, topic, satisfied: random() < 0.8 }, asRequester ? state.self : peer.signer, asRequester ? peer.signer : state.self)
      const hash = hexOf(sha256(bytes))
      line({ begin: 'receipt', hash })
      const sync = synchronous()
      if (ACK_BEFORE_WRITE) await ackEarly({ ack: 'receipt', hash, sync })
      // Our own task's co-signed receipt, with the requester's rating, as the network plane records it.
      const recorded = host.reputation.recordReceipt(bytes)
      if (!recorded.added) throw new Error(`receipt ${hash} was not new`)
      if (!ACK_BEFORE_WRITE) line({ ack: 'receipt', hash, sync })
    } else {
      const rater = peer
      const ratee = peers[(peers.indexOf(rater) + 1 + randomInt(random, peers.length - 1)) % peers.length]!
      const bytes = sealReceipt({ task: `crash-${state.run}-${n}`, topic, satisfied: random() < 0.8 }, rater.signer, ratee.signer)
      const hash = hexOf(sha256(bytes))
      line({ begin: 'rating', hash })
      const sync = synchronous()
      if (ACK_BEFORE_WRITE) await ackEarly({ ack: 'rating', hash, sync })
      // Another agent's rating as gossip delivers it (a `rating` log entry's body): stored once both parties' BAIDs are known.
      if (!host.reputation.ingestRating(rater.signer.publicKey, bytes)) throw new Error(`rating ${hash} did not count`)
      if (!ACK_BEFORE_WRITE) line({ ack: 'rating', hash, sync })
    }
    // Let timers (the reputation recompute, status events) and stdin run between writes, as they would in the daemon.
    await new Promise(resolve => setImmediate(resolve))
  }
}

async function ackEarly (ack: Record<string, unknown>): Promise<void> {
  line(ack)
  await new Promise(resolve => setTimeout(resolve, WRITE_BEHIND_MS))
}

function fail (err: unknown): never {
  process.stderr.write(`crash-worker: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
}

main().catch(fail)
