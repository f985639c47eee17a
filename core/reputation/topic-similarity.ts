import { InvalidTrustInputError } from '../api/errors.ts'

// Semantic similarity between topics: how much evidence in one topic says about another (the bridge weight).

/** A symmetric T×T matrix with 1 on the diagonal and values in [0, 1]. */
export interface TopicSimilarity {
  readonly topics: readonly string[]
  /** Row-major: at(k, l) = values[k * T + l]. */
  readonly values: Float64Array
}

/** The paper's five topics first; further ones for larger scenarios. */
export const KNOWN_TOPICS = [
  'code_generation', 'code_review_security', 'devops_tool_execution', 'data_analysis', 'creative_writing',
  'translation', 'math_reasoning', 'web_research', 'image_generation', 'scheduling'
] as const

// Hand-made skill profiles (code, security, operations, data, language, creativity, search, maths, planning):
// a stand-in for capability embeddings until discovery's embedder provides them.
const PROFILES: Readonly<Record<string, readonly number[]>> = {
  code_generation: [1, 0.3, 0.4, 0.3, 0.2, 0.1, 0, 0.2, 0.1],
  code_review_security: [0.9, 1, 0.3, 0.1, 0.2, 0, 0, 0.1, 0],
  devops_tool_execution: [0.5, 0.4, 1, 0.2, 0, 0, 0.1, 0, 0.4],
  data_analysis: [0.3, 0, 0.1, 1, 0.2, 0, 0.2, 0.6, 0],
  creative_writing: [0, 0, 0, 0, 1, 1, 0.1, 0, 0],
  translation: [0, 0, 0, 0, 1, 0.3, 0, 0, 0],
  math_reasoning: [0.2, 0, 0, 0.5, 0.1, 0, 0, 1, 0.1],
  web_research: [0, 0, 0, 0.3, 0.4, 0, 1, 0, 0.1],
  image_generation: [0, 0, 0, 0, 0.1, 1, 0, 0, 0],
  scheduling: [0, 0, 0.3, 0.1, 0.2, 0, 0, 0.1, 1]
}

/** Cosine similarity of vectors, clamped to [0, 1]; a value is a value for `at` below. */
export function similarityFromVectors (topics: readonly string[], vectors: readonly (readonly number[])[]): TopicSimilarity {
  if (vectors.length !== topics.length) throw new InvalidTrustInputError('one vector per topic is needed')
  const t = topics.length
  const values = new Float64Array(t * t)
  const norms = vectors.map(v => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0)))
  for (let k = 0; k < t; k++) {
    for (let l = 0; l < t; l++) {
      if (k === l) { values[k * t + l] = 1; continue }
      const a = vectors[k] as readonly number[]
      const b = vectors[l] as readonly number[]
      let dot = 0
      for (let d = 0; d < Math.min(a.length, b.length); d++) dot += (a[d] as number) * (b[d] as number)
      const denominator = (norms[k] as number) * (norms[l] as number)
      values[k * t + l] = denominator > 0 ? Math.min(1, Math.max(0, dot / denominator)) : 0
    }
  }
  return { topics: [...topics], values }
}

/** Similarity of known topic names from their skill profiles; an unknown name is similar only to itself. */
export function knownTopicSimilarity (topics: readonly string[]): TopicSimilarity {
  const width = (PROFILES.code_generation as readonly number[]).length
  return similarityFromVectors(topics, topics.map((name, index) => PROFILES[name] ?? Array.from({ length: width + topics.length }, (_, d) => d === width + index ? 1 : 0)))
}

/** Every distinct pair equally similar: the ablation that ignores semantics. */
export function uniformSimilarity (topics: readonly string[], value: number): TopicSimilarity {
  const t = topics.length
  const values = new Float64Array(t * t).fill(value)
  for (let k = 0; k < t; k++) values[k * t + k] = 1
  return { topics: [...topics], values }
}

export function similarityAt (similarity: TopicSimilarity, k: number, l: number): number {
  return similarity.values[k * similarity.topics.length + l] ?? 0
}
