import { describe, expect, it } from 'vitest'
import { BuiltinExecutor } from '../../../core/execution/builtins.ts'
import { decodeEvidence, encodeEvidence, type EvidencePackage } from '../../../core/execution/evidence-package.ts'
import { EvidenceRecorder } from '../../../core/execution/evidence-recorder.ts'
import { hashValue, toolDigest, type ToolResult } from '../../../core/execution/tool.ts'
import { bindReceipt, checkEvidence, receiptFor, verifyEvidence, type EvidenceExpectation } from '../../../core/execution/verify-evidence.ts'
import { openReceipt, sealReceipt } from '../../../core/reputation/receipt.ts'
import { testSigner } from '../../helpers/identity.ts'

// T3: the provider's hash-linked, signed receipts of each tool call; the requester verifies them and co-signs the task receipt.

const provider = testSigner()
const requester = testSigner()
const tools = new BuiltinExecutor()

/** A provider task: count the words of the input, hash it, and answer with the count (the last call's output). */
async function serve (task: string, text: string, signer = provider): Promise<{ pkg: EvidencePackage, input: object, result: ToolResult }> {
  let clock = 1_000
  const recorder = new EvidenceRecorder({ task, signer, tools, now: () => clock++ })
  await recorder.run({ tool: 'builtin/sha256', input: { text } })
  await recorder.run({ tool: 'builtin/echo', input: { text } })
  const input = { text }
  const result = await recorder.run({ tool: 'builtin/word-count', input })
  return { pkg: recorder.seal(input, result), input, result }
}

async function expectation (task = 'task-1'): Promise<{ pkg: EvidencePackage, expected: EvidenceExpectation }> {
  const { pkg, input, result } = await serve(task, 'three little words')
  return { pkg, expected: { task, input, result, tool: { id: 'builtin/word-count', digest: toolDigest(await tools.describe('builtin/word-count')) } } }
}

describe('evidence packages', () => {
  it('verify: every call, in order, linked, matching what the requester sent and received', async () => {
    const { pkg, expected } = await expectation()
    const verified = verifyEvidence(decodeEvidence(encodeEvidence(pkg)), provider.publicKey, expected)
    expect(verified.calls.map(c => c.tool)).toEqual(['builtin/sha256', 'builtin/echo', 'builtin/word-count'])
    expect(verified.calls.map(c => c.index)).toEqual([0, 1, 2])
    expect(verified.calls[2]!.outputHash).toEqual(hashValue({ content: [{ type: 'text', text: '{"words":3,"lines":1}' }], structured: { words: 3, lines: 1 } }))
    const view = checkEvidence(pkg, provider.publicKey, expected)
    expect(view).toMatchObject({ ok: true, task: 'task-1', attested: false, calls: [{ tool: 'builtin/sha256' }, { tool: 'builtin/echo' }, { tool: 'builtin/word-count' }] })
  })

  it.each([
    ['reordered', (p: EvidencePackage) => ({ ...p, calls: [p.calls[1]!, p.calls[0]!, p.calls[2]!] }), 'EvidenceChainError'],
    ['a middle call dropped', (p: EvidencePackage) => ({ ...p, calls: [p.calls[0]!, p.calls[2]!] }), 'EvidenceChainError'],
    ['the last call dropped', (p: EvidencePackage) => ({ ...p, calls: p.calls.slice(0, 2) }), 'EvidenceChainError'],
    ['a receipt altered', (p: EvidencePackage) => ({ ...p, calls: p.calls.map((c, i) => i === 1 ? flipLast(c) : c) }), 'InvalidSignatureError'],
    ['the seal altered', (p: EvidencePackage) => ({ ...p, seal: flipLast(p.seal) }), 'InvalidSignatureError']
  ])('catches a package with %s', async (_what, tamper, name) => {
    const { pkg, expected } = await expectation()
    expect(() => verifyEvidence(tamper(pkg), provider.publicKey, expected)).toThrow(expect.objectContaining({ name }))
  })

  it('catches an altered output: the result received is not the one the tool returned', async () => {
    const { pkg, expected } = await expectation()
    const altered = { content: [{ type: 'text', text: '{"words":4,"lines":1}' }], structured: { words: 4, lines: 1 } }
    expect(() => verifyEvidence(pkg, provider.publicKey, { ...expected, result: altered })).toThrow(expect.objectContaining({ name: 'EvidenceMismatchError', message: expect.stringMatching(/result/) }))
    expect(() => verifyEvidence(pkg, provider.publicKey, { ...expected, input: { text: 'other words' } })).toThrow(expect.objectContaining({ name: 'EvidenceMismatchError', message: expect.stringMatching(/input/) }))
  })

  it('catches a provider that sealed a result other than its tool\'s output', async () => {
    const recorder = new EvidenceRecorder({ task: 't', signer: provider, tools })
    const input = { text: 'a b' }
    await recorder.run({ tool: 'builtin/word-count', input })
    const forged = { content: [], structured: { words: 99, lines: 1 } }
    const pkg = recorder.seal(input, forged)
    expect(() => verifyEvidence(pkg, provider.publicKey, { task: 't', input, result: forged, tool: { id: 'builtin/word-count' } }))
      .toThrow(expect.objectContaining({ name: 'EvidenceMismatchError', message: expect.stringMatching(/differs from what builtin\/word-count returned/) }))
    // Without naming the tool the requester can check only the seal, which the provider signed as it liked.
    expect(verifyEvidence(pkg, provider.publicKey, { task: 't', input, result: forged }).calls).toHaveLength(1)
  })

  it('catches the wrong signer, a changed tool and another task\'s evidence', async () => {
    const { pkg, expected } = await expectation()
    const impostor = testSigner()
    expect(() => verifyEvidence(pkg, impostor.publicKey, expected)).toThrow(expect.objectContaining({ name: 'UnexpectedSignerError' }))
    const byImpostor = await serve('task-1', 'three little words', impostor)
    expect(() => verifyEvidence(byImpostor.pkg, provider.publicKey, expected)).toThrow(expect.objectContaining({ name: 'UnexpectedSignerError' }))
    expect(() => verifyEvidence(pkg, provider.publicKey, { ...expected, tool: { id: 'builtin/word-count', digest: hashValue('another version') } }))
      .toThrow(expect.objectContaining({ name: 'EvidenceMismatchError', message: expect.stringMatching(/different version/) }))
    expect(() => verifyEvidence(pkg, provider.publicKey, { ...expected, task: 'task-2' })).toThrow(expect.objectContaining({ name: 'EvidenceMismatchError' }))
    // A receipt spliced in from the same provider's other task.
    const other = await serve('task-2', 'three little words')
    expect(() => verifyEvidence({ ...pkg, calls: [pkg.calls[0]!, other.pkg.calls[1]!, pkg.calls[2]!] }, provider.publicKey, expected)).toThrow(expect.objectContaining({ name: 'EvidenceChainError' }))
    expect(checkEvidence(pkg, impostor.publicKey, expected)).toMatchObject({ ok: false, task: 'task-1', error: { name: 'UnexpectedSignerError' } })
  })

  it('carries an attestation slot under the provider\'s seal', async () => {
    const recorder = new EvidenceRecorder({ task: 't', signer: provider, tools })
    const input = { text: 'x' }
    const result = await recorder.run({ tool: 'builtin/echo', input })
    const quote = new Uint8Array(4096).fill(7)
    const verified = verifyEvidence(recorder.seal(input, result, quote), provider.publicKey, { task: 't', input, result })
    expect(verified.attestation).toEqual(quote)
    expect(() => new EvidenceRecorder({ task: 'empty', signer: provider, tools }).seal({}, {})).toThrow(expect.objectContaining({ name: 'EvidenceChainError' }))
  })

  it('ends in the co-signed task receipt reputation counts, bound to the evidence', async () => {
    const { pkg, expected } = await expectation()
    const verified = verifyEvidence(pkg, provider.publicKey, expected)
    const receipt = sealReceipt(receiptFor(verified, 'data_analysis', true), requester, provider)
    expect(bindReceipt(receipt, verified).receipt).toEqual({ task: 'task-1', topic: 'data_analysis', satisfied: true })
    expect(openReceipt(receipt).provider).toEqual(provider.publicKey)
    const otherTask = sealReceipt({ task: 'task-9', topic: 'data_analysis', satisfied: true }, requester, provider)
    expect(() => bindReceipt(otherTask, verified)).toThrow(expect.objectContaining({ name: 'EvidenceMismatchError' }))
    const otherProvider = sealReceipt(receiptFor(verified, 'data_analysis', true), requester, testSigner())
    expect(() => bindReceipt(otherProvider, verified)).toThrow(expect.objectContaining({ name: 'EvidenceMismatchError' }))
  })
})

function flipLast (bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice()
  // The envelope ends in its signed type name: one flipped bit there keeps valid CBOR but breaks the signature.
  copy[copy.length - 1] = copy[copy.length - 1]! ^ 1
  return copy
}
