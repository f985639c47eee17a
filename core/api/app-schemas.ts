import { z } from 'zod'
import type { ApiMethod, ParamsOf } from './app.ts'
import { VERIFICATION_TIERS } from './negotiation.ts'
import { DATA_CLASSES } from './policy.ts'

// Every api method's params as a schema: what crosses from the UI, the web bridge or the control socket is checked here
// before any handler sees it. The check at the end fails to compile when a schema drifts from core/api/app.ts.

const DOMAIN = /^[a-z0-9_]{1,64}$/
const domain = (): z.ZodString => z.string().regex(DOMAIN, 'a semantic domain: lowercase letters, digits and _, at most 64')
const PEER_NAME = 'a peer is a BAID id (baid:z…) or a PeerId (12D3KooW…)'
const peer = (): z.ZodString => z.string(PEER_NAME).min(1, PEER_NAME).max(128, PEER_NAME)
const MIN_TRUST = 'a threshold is a relative trust from 0 to 1, such as 0.3'
const DAY_MS = 24 * 3600 * 1000
const id = (): z.ZodString => z.string().min(1).max(64)
const capability = (): z.ZodString => z.string().min(1).max(128)
const limit = (max = 1000): z.ZodOptional<z.ZodNumber> => z.number().int().min(1).max(max).optional()
const empty = z.object({}).strict()
const input = z.record(z.string(), z.unknown())
const dataClass = z.enum(DATA_CLASSES)
const rate = z.object({ limit: z.number().int().min(0).max(1e9), windowMs: z.number().int().min(1).max(DAY_MS) }).strict()
const servingState = z.enum(['on', 'paused', 'offline'])
const approvalMode = z.enum(['ask', 'allow', 'deny'])
const url = z.string().max(2048).refine(text => { try { return ['http:', 'https:'].includes(new URL(text).protocol) } catch { return false } }, 'the LLM endpoint is an http(s) URL, such as http://127.0.0.1:11434')
const model = z.string().min(1).max(256)
// The policy plane parses the path itself (and names what is wrong); here only its shape and size.
const markedPath = z.string().min(2, 'a field path starts with $, such as $.user.email').max(512).startsWith('$', 'a field path starts with $, such as $.user.email')

export const API_PARAMS = {
  'app.status': empty,
  'identity.show': empty,
  'identity.create': z.object({ keystore: z.enum(['keychain', 'file']).optional() }).strict(),
  // A backup is a few hundred bytes sealed; base64 text well under a frame.
  'identity.restore': z.object({ backup: z.string().min(1).max(512 * 1024).regex(/^[A-Za-z0-9+/=\s]+$/, 'the backup is base64 text'), passphrase: z.string().min(1).max(1024) }).strict(),
  'identity.backup': z.object({ passphrase: z.string().min(8, 'a backup passphrase has at least 8 characters').max(1024) }).strict(),
  'identity.rotate': empty,
  'inbox.list': empty,
  'inbox.history': z.object({ limit: limit() }).strict(),
  'inbox.decide': z.object({ id: id(), decision: z.enum(['allow-once', 'allow-grant', 'deny']), ttlMs: z.number().int().positive().max(365 * DAY_MS).optional() }).strict(),
  'grants.list': z.object({ all: z.boolean().optional() }).strict(),
  'grants.add': z.object({ peer: peer(), capability: capability(), topic: domain().optional(), ttlMs: z.number().int().positive().max(365 * DAY_MS) }).strict(),
  'grants.revoke': z.object({ id: id() }).strict(),
  'egress.preview': z.object({ input, topic: domain().optional(), allow: z.array(dataClass).max(DATA_CLASSES.length).optional() }).strict(),
  'task.delegate': z.object({
    intent: z.string().min(1, 'the intent is some text saying what you want done').max(4096),
    input,
    topic: domain().optional(),
    capability: capability().optional(),
    tier: z.enum(VERIFICATION_TIERS, `the tier is one of ${VERIFICATION_TIERS.join(', ')}`).optional(),
    reward: z.number('the reward is a number of credits').min(0).max(1e9).optional(),
    deadlineMs: z.number('the deadline is a number of seconds').int().min(1000, 'the deadline is at least 1 second').max(DAY_MS, 'the deadline is at most a day').optional(),
    canary: z.boolean().optional(),
    allow: z.array(dataClass).max(DATA_CLASSES.length).optional()
  }).strict(),
  'tasks.list': z.object({ role: z.enum(['requester', 'provider']).optional(), limit: limit() }).strict(),
  'tasks.get': z.object({ task: z.string().min(1).max(128) }).strict(),
  'tasks.cancel': z.object({ task: z.string().min(1).max(128) }).strict(),
  'peers.list': empty,
  'discovery.discover': z.object({ intent: z.string().min(1).max(2048), topic: domain().optional(), maxPrice: z.number().min(0).optional(), limit: limit(100) }).strict(),
  'discovery.announce': empty,
  'discovery.pinned': empty,
  'trust.topics': empty,
  'trust.show': z.object({ peer: peer(), topic: domain().optional() }).strict(),
  'trust.history': z.object({ peer: peer(), topic: domain() }).strict(),
  'trust.graph': z.object({ topic: domain() }).strict(),
  'trust.threshold.list': empty,
  'trust.threshold.set': z.object({ topic: domain(), minTrust: z.number(MIN_TRUST).min(0, MIN_TRUST).max(1, MIN_TRUST) }).strict(),
  'trust.threshold.clear': z.object({ topic: domain() }).strict(),
  'trust.contacts.list': empty,
  'trust.contacts.add': z.object({ peer: peer() }).strict(),
  'trust.contacts.remove': z.object({ peer: peer() }).strict(),
  'trust.blocks.list': empty,
  'trust.block': z.object({ peer: peer() }).strict(),
  'trust.unblock': z.object({ peer: peer() }).strict(),
  'agent.capabilities': empty,
  'agent.constraints.set': z.object({
    capability: capability(),
    topic: domain().optional(),
    constraints: z.object({
      minRequesterTrust: z.number().min(0).max(1),
      maxInputBytes: z.number().int().min(0).max(1024 * 1024 * 1024),
      perPeer: rate,
      overall: rate,
      allowedDataClasses: z.array(dataClass).max(DATA_CLASSES.length),
      priceFloor: z.number().min(0).max(1e9)
    }).strict()
  }).strict(),
  'agent.approval.set': z.object({ capability: capability(), topic: domain().optional(), mode: approvalMode }).strict(),
  'agent.dailyLimit.set': z.object({ capability: capability(), limit: z.number().int().min(0).max(1e6).nullable() }).strict(),
  'agent.privacy.get': empty,
  'agent.privacy.set': z.object({
    classes: z.partialRecord(dataClass, z.enum(['allow', 'redact', 'block'])),
    marked: z.object({
      add: z.array(z.object({ path: markedPath, dataClass }).strict()).max(100).optional(),
      remove: z.array(markedPath).max(100).optional()
    }).strict().optional()
  }).strict(),
  'agent.llm.get': empty,
  'agent.llm.set': z.union([
    z.object({ clear: z.literal(true) }).strict(),
    z.object({ baseUrl: url, embeddingModel: model.optional(), chatModel: model.optional(), apiKey: z.string().min(1).max(4096).optional() }).strict()
  ]),
  'agent.serving.set': z.object({ serving: servingState }).strict(),
  'ledger.summary': empty,
  'ledger.entries': z.object({ peer: peer().optional(), task: z.string().min(1).max(128).optional(), limit: limit() }).strict(),
  'activity.list': z.object({ limit: limit(), before: z.number().int().min(1).optional() }).strict(),
  'settings.get': empty,
  'settings.set': z.object({ launchAtLogin: z.boolean().optional(), notifications: z.boolean().optional() }).strict(),
  'diagnostics.export': empty,
  'data.deleteAll': z.object({ confirm: z.literal('delete everything', 'type "delete everything" to confirm') }).strict(),
  'demo.start': z.object({ peers: z.number().int().min(1).max(8).optional() }).strict(),
  'demo.stop': empty
} as const satisfies Record<ApiMethod, z.ZodType>

// Compile-time: each schema's output is the method's params, with no field of the contract left out.
type Fits<M extends ApiMethod> = z.output<typeof API_PARAMS[M]> extends ParamsOf<M>
  ? (Exclude<KeysOf<ParamsOf<M>>, KeysOf<z.output<typeof API_PARAMS[M]>>> extends never ? true : false)
  : false
type KeysOf<T> = T extends unknown ? keyof T : never
type Misfits = { [M in ApiMethod]: Fits<M> extends true ? never : M }[ApiMethod]
const misfits: [Misfits] extends [never] ? true : Misfits = true
void misfits
