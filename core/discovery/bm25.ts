// Okapi BM25 over an inverted index: a query walks only the postings of its own terms, never every document.

export const BM25_DEFAULTS = { k1: 1.2, b: 0.75 } as const

/** A piece of a document's text and how much one of its terms counts (a name term outweighs a description term). */
export interface WeightedField { text: string, weight: number }

export interface Bm25Hit { id: string, score: number, matched: string[] }

// Words that carry no intent in requests like "I need someone to review my code".
const STOP_WORDS = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'by', 'can', 'do', 'for', 'from', 'how', 'i', 'in', 'into', 'is', 'it',
  'its', 'me', 'my', 'need', 'of', 'on', 'or', 'our', 'please', 'so', 'some', 'that', 'the', 'their', 'them', 'this',
  'to', 'us', 'want', 'we', 'what', 'which', 'will', 'with', 'would', 'you', 'your'
])

const NON_WORD = /[^\p{L}\p{N}]+/u
const CAMEL_BOUNDARY = /(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u

/** Lowercased word stems: splits on anything but letters and digits, and inside camelCase; drops stop words and single characters. */
export function tokenize (text: string): string[] {
  const tokens: string[] = []
  for (const word of text.split(NON_WORD)) {
    for (const part of word.split(CAMEL_BOUNDARY)) {
      const lower = part.toLowerCase()
      if (lower.length > 1 && !STOP_WORDS.has(lower)) tokens.push(stem(lower))
    }
  }
  return tokens
}

/** Harman's S-stemmer: folds plurals only ("vulnerabilities" → "vulnerability"), so it never merges unrelated words. */
function stem (word: string): string {
  if (word.length <= 3) return word
  if (word.endsWith('ies') && !word.endsWith('eies') && !word.endsWith('aies')) return `${word.slice(0, -3)}y`
  if (word.endsWith('es') && !word.endsWith('aes') && !word.endsWith('ees') && !word.endsWith('oes')) return word.slice(0, -1)
  if (word.endsWith('s') && !word.endsWith('us') && !word.endsWith('ss')) return word.slice(0, -1)
  return word
}

interface IndexedDoc { id: string, length: number, terms: string[] }

export class Bm25Index {
  readonly #k1: number
  readonly #b: number
  /** term → (slot → weighted term frequency) */
  readonly #postings = new Map<string, Map<number, number>>()
  readonly #slotOf = new Map<string, number>()
  readonly #docs: Array<IndexedDoc | undefined> = []
  readonly #freeSlots: number[] = []
  #totalLength = 0
  // Scratch accumulator reused across queries, indexed by slot.
  #scores = new Float64Array(0)

  constructor (init: { k1?: number, b?: number } = {}) {
    this.#k1 = init.k1 ?? BM25_DEFAULTS.k1
    this.#b = init.b ?? BM25_DEFAULTS.b
  }

  get size (): number {
    return this.#slotOf.size
  }

  /** Index a document; an id already present is replaced. */
  add (id: string, fields: readonly WeightedField[]): void {
    this.remove(id)
    const frequencies = new Map<string, number>()
    let length = 0
    for (const field of fields) {
      if (field.weight <= 0) continue
      for (const token of tokenize(field.text)) {
        frequencies.set(token, (frequencies.get(token) ?? 0) + field.weight)
        length += field.weight
      }
    }
    const slot = this.#freeSlots.pop() ?? this.#docs.length
    this.#docs[slot] = { id, length, terms: [...frequencies.keys()] }
    this.#slotOf.set(id, slot)
    this.#totalLength += length
    for (const [term, frequency] of frequencies) {
      let posting = this.#postings.get(term)
      if (posting === undefined) this.#postings.set(term, posting = new Map())
      posting.set(slot, frequency)
    }
  }

  /** Forget a document, and its share of the corpus statistics (document frequencies, average length). */
  remove (id: string): boolean {
    const slot = this.#slotOf.get(id)
    if (slot === undefined) return false
    const doc = this.#docs[slot]!
    for (const term of doc.terms) {
      const posting = this.#postings.get(term)!
      posting.delete(slot)
      if (posting.size === 0) this.#postings.delete(term)
    }
    this.#totalLength -= doc.length
    this.#docs[slot] = undefined
    this.#slotOf.delete(id)
    this.#freeSlots.push(slot)
    return true
  }

  /** The best `limit` documents for `query` among those `admit` accepts, best first; documents sharing no term never appear. */
  search (query: string, limit: number, admit: (id: string) => boolean = () => true): Bm25Hit[] {
    const terms = [...new Set(tokenize(query))].filter(t => this.#postings.has(t))
    if (terms.length === 0 || limit <= 0) return []
    if (this.#scores.length < this.#docs.length) this.#scores = new Float64Array(this.#docs.length)
    const scores = this.#scores
    const docs = this.#docs
    const touched: number[] = []
    const n = this.#slotOf.size
    const k1 = this.#k1
    const perLength = k1 * this.#b * n / this.#totalLength
    const base = k1 * (1 - this.#b)
    for (const term of terms) {
      const posting = this.#postings.get(term)!
      const idf = Math.log(1 + (n - posting.size + 0.5) / (posting.size + 0.5))
      // forEach, not for-of: no [slot, tf] entry array allocated per posting.
      posting.forEach((tf, slot) => {
        if (scores[slot] === 0) touched.push(slot)
        scores[slot]! += idf * tf * (k1 + 1) / (tf + base + perLength * docs[slot]!.length)
      })
    }
    const best = new TopK(limit)
    for (const slot of touched) {
      const score = scores[slot]!
      scores[slot] = 0
      if (score > best.floor && admit(docs[slot]!.id)) best.offer(slot, score)
    }
    return best.items.map(({ slot, score }) => ({
      id: docs[slot]!.id,
      score,
      matched: terms.filter(t => this.#postings.get(t)!.has(slot))
    }))
  }
}

/** The `k` highest scores seen, best first: most offers fall below the floor and cost one comparison. */
class TopK {
  readonly items: Array<{ slot: number, score: number }> = []
  readonly #k: number

  constructor (k: number) {
    this.#k = k
  }

  get floor (): number {
    return this.items.length < this.#k ? 0 : this.items[this.#k - 1]!.score
  }

  offer (slot: number, score: number): void {
    let at = this.items.length
    while (at > 0 && this.items[at - 1]!.score < score) at--
    this.items.splice(at, 0, { slot, score })
    if (this.items.length > this.#k) this.items.pop()
  }
}
