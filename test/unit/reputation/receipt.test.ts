import { describe, expect, it } from 'vitest'
import { encode, equalBytes } from '../../../core/common/codec.ts'
import { Domains } from '../../../core/identity/domains.ts'
import { seal, signingBytes } from '../../../core/identity/envelope.ts'
import { PersonalTrust } from '../../../core/reputation/mg-eigentrust.ts'
import { assembleReceipt, countersignReceipt, ingestReceipts, RECEIPT_TYPE, sealReceipt, signReceipt, type ReceiptDirectory } from '../../../core/reputation/receipt.ts'
import { knownTopicSimilarity } from '../../../core/reputation/topic-similarity.ts'
import { buildTrustMatrix, EvidenceLedger } from '../../../core/reputation/trust-graph.ts'
import { testSigner } from '../../helpers/identity.ts'

// Only ratings backed by a receipt both parties signed reach the trust graph.

const people = [testSigner(), testSigner(), testSigner(), testSigner(), testSigner()]
const directory: ReceiptDirectory = {
  peerOf: key => { const at = people.findIndex(p => equalBytes(p.publicKey, key)); return at < 0 ? undefined : at },
  topicOf: name => name === 'code_generation' ? 0 : undefined
}
const task = (n: number) => ({ task: `t${n}`, topic: 'code_generation', satisfied: true })

describe('receipt-backed ratings', () => {
  it('a co-signed receipt becomes one rating from requester to provider', () => {
    const ledger = new EvidenceLedger(5, 1)
    expect(ingestReceipts(ledger, [sealReceipt(task(1), people[0]!, people[1]!)], directory)).toEqual({ accepted: 1, ignored: 0 })
    expect(ledger.get(0, 1, 0)).toEqual({ satisfied: 1, unsatisfied: 0 })
    expect(ledger.get(1, 0, 0)).toEqual({ satisfied: 0, unsatisfied: 0 })
  })

  it('colluders rating each other without receipts gain nothing', () => {
    const ledger = new EvidenceLedger(5, 1)
    // Honest: person 0 was served well by 1. Colluders 3 and 4 praise each other, but 4 never co-signed anything: one signature, a forged second one, a tampered receipt.
    // Sealed by hand, as a forger would: our own seal refuses a signature that does not verify.
    const payload = encode(task(4))
    const message = signingBytes(Domains.receipt.name, RECEIPT_TYPE, payload)
    const forgedSecond = encode({ d: Domains.receipt.name, t: RECEIPT_TYPE, p: payload, s: [[people[3]!.publicKey, people[3]!.sign(message)], [people[4]!.publicKey, people[3]!.sign(message)]] })
    const tampered = sealReceipt(task(3), people[3]!, people[4]!).slice()
    tampered[tampered.length - 70] = (tampered[tampered.length - 70] as number) ^ 1
    const fakes = [
      seal(Domains.message, RECEIPT_TYPE, task(2), [people[3]!]).bytes,
      forgedSecond,
      tampered,
      sealReceipt(task(5), people[3]!, people[3]!)
    ]
    const result = ingestReceipts(ledger, [sealReceipt(task(1), people[0]!, people[1]!), ...fakes], directory)
    expect(result).toEqual({ accepted: 1, ignored: fakes.length })
    // Even if person 0 had a path to them, there is no edge into 3 or 4: both stay at exactly zero.
    ledger.addRating(1, 3, 0, 0, 0)
    const matrix = buildTrustMatrix(ledger, [0])
    const v = new PersonalTrust({ seeds: () => ({ peers: [0] }) }).compute({ peers: 5, matrices: [matrix], similarity: knownTopicSimilarity(['code_generation']), slashed: new Uint8Array(5) }, 0).vector
    expect(v[1]).toBeGreaterThan(0)
    expect(v[3]).toBe(0)
    expect(v[4]).toBe(0)
  })

  it('the provider\'s half signed in advance and the requester\'s on acceptance make the receipt either side would seal, and only for what was signed', () => {
    const [requester, provider] = [people[0]!, people[1]!]
    const delivered = { ...task(6), output: new Uint8Array(32).fill(7) }
    const advance = signReceipt(delivered, provider)
    const accepted = signReceipt(delivered, requester)
    const { bytes, opened } = assembleReceipt(delivered, { key: requester.publicKey, signature: accepted }, { key: provider.publicKey, signature: advance })
    // The same bytes the provider makes when it countersigns our half: it keeps the very receipt we gossip.
    expect(bytes).toEqual(sealReceipt(delivered, requester, provider))
    expect(countersignReceipt(delivered, requester.publicKey, accepted, provider)).toEqual(bytes)
    expect(opened).toMatchObject({ receipt: delivered })
    // An advance signature does not stretch to another output, a dissatisfied verdict, or another requester's receipt.
    const other = { ...delivered, output: new Uint8Array(32).fill(8) }
    expect(() => assembleReceipt(other, { key: requester.publicKey, signature: signReceipt(other, requester) }, { key: provider.publicKey, signature: advance })).toThrow(expect.objectContaining({ name: 'InvalidRatingError' }))
    const unhappy = { ...delivered, satisfied: false }
    expect(() => assembleReceipt(unhappy, { key: requester.publicKey, signature: signReceipt(unhappy, requester) }, { key: provider.publicKey, signature: advance })).toThrow(expect.objectContaining({ name: 'InvalidRatingError' }))
    expect(() => countersignReceipt(delivered, people[2]!.publicKey, accepted, provider)).toThrow(expect.objectContaining({ name: 'InvalidRatingError' }))
  })
})
