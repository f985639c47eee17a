import { describe, expect, it } from 'vitest'
import { equalBytes } from '../../../core/common/codec.ts'
import { Domains } from '../../../core/identity/domains.ts'
import { seal } from '../../../core/identity/envelope.ts'
import { PersonalTrust } from '../../../core/reputation/mg-eigentrust.ts'
import { ingestReceipts, RECEIPT_TYPE, sealReceipt, type ReceiptDirectory } from '../../../core/reputation/receipt.ts'
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
    const forged = { publicKey: people[4]!.publicKey, sign: people[3]!.sign }
    const tampered = sealReceipt(task(3), people[3]!, people[4]!).slice()
    tampered[tampered.length - 70] = (tampered[tampered.length - 70] as number) ^ 1
    const fakes = [
      seal(Domains.message, RECEIPT_TYPE, task(2), [people[3]!]).bytes,
      seal(Domains.receipt, RECEIPT_TYPE, task(4), [people[3]!, forged]).bytes,
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
})
