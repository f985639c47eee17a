import type { MgEigenTrustOptions } from '../../reputation/mg-eigentrust.ts'
import { knownTopicSimilarity, uniformSimilarity, type TopicSimilarity } from '../../reputation/topic-similarity.ts'

// The reputation methods compared, each a configuration of the one engine the app runs.

export const METHOD_NAMES = ['random', 'flattened', 'per_topic', 'mg', 'mg_no_slashing', 'mg_no_gate', 'mg_no_semantic'] as const
export type MethodName = typeof METHOD_NAMES[number]

export interface TrustMethod {
  readonly name: MethodName
  /** none: pick a candidate at random; flattened: one graph of all topics; per_topic / mg: one graph per topic. */
  readonly kind: 'none' | 'flattened' | 'per_topic' | 'mg'
  /** Fraud proofs slash offenders, and raters who vouched for them lose credibility. */
  readonly slashing: boolean
  /** Verification tiers (ours): a canary on every first task with a provider, and a failed canary's result rejected and retried. */
  readonly verifies: boolean
  readonly options: Partial<MgEigenTrustOptions>
  similarity (topics: readonly string[]): TopicSimilarity
}

// Plain EigenTrust as published: restart weight 0.15, no bridges, no newcomer prior, no personal experience.
const PLAIN: Partial<MgEigenTrustOptions> = { alpha: 0.15, bridgeWeight: 0, newcomerPrior: 0 }

export function trustMethod (name: MethodName): TrustMethod {
  switch (name) {
    case 'random': return { name, kind: 'none', slashing: false, verifies: false, options: PLAIN, similarity: knownTopicSimilarity }
    case 'flattened': return { name, kind: 'flattened', slashing: false, verifies: false, options: PLAIN, similarity: knownTopicSimilarity }
    case 'per_topic': return { name, kind: 'per_topic', slashing: false, verifies: false, options: PLAIN, similarity: knownTopicSimilarity }
    case 'mg': return { name, kind: 'mg', slashing: true, verifies: true, options: {}, similarity: knownTopicSimilarity }
    case 'mg_no_slashing': return { name, kind: 'mg', slashing: false, verifies: true, options: {}, similarity: knownTopicSimilarity }
    case 'mg_no_gate': return { name, kind: 'mg', slashing: true, verifies: true, options: { gate: false }, similarity: knownTopicSimilarity }
    // Every pair of topics bridged alike, whatever their meaning.
    case 'mg_no_semantic': return { name, kind: 'mg', slashing: true, verifies: true, options: {}, similarity: topics => uniformSimilarity(topics, 0.5) }
  }
}
