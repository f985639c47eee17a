import { describe, expect, it } from 'vitest'
import { Bm25Index, tokenize, type WeightedField } from '../../../core/discovery/bm25.ts'

const doc = (name: string, description = '', tags: string[] = []): WeightedField[] => [
  { text: name, weight: 3 },
  { text: tags.join(' '), weight: 2 },
  { text: description, weight: 1 }
]

const LIBRARY: Array<[string, WeightedField[]]> = [
  ['review', doc('Security code review', 'Finds SQL injection and cross-site scripting in web applications', ['security', 'owasp'])],
  ['tests', doc('Unit test writer', 'Writes unit tests for TypeScript and Python code', ['testing', 'coverage'])],
  ['rust', doc('Rust porting assistant', 'Ports C code to safe Rust with tests', ['rust', 'porting'])],
  ['poems', doc('Poetry composer', 'Writes poems for birthdays and weddings', ['poetry'])],
  ['forecast', doc('Time series forecaster', 'Forecasts revenue from daily sales data and writes a short report', ['forecasting'])],
  ['copy', doc('Product copywriter', 'Writes launch emails and landing page copy; mentions security when the product needs it', ['marketing'])]
]

function indexOf (entries: Array<[string, WeightedField[]]>): Bm25Index {
  const index = new Bm25Index()
  for (const [id, fields] of entries) index.add(id, fields)
  return index
}

describe('tokenize', () => {
  it('lowercases and splits camelCase, snake_case, kebab-case and punctuation', () => {
    expect(tokenize('getUserName parse_json_body SQLInjection cross-site!')).toEqual(['get', 'user', 'name', 'parse', 'json', 'body', 'sql', 'injection', 'cross', 'site'])
  })

  it('drops stop words and single characters', () => {
    expect(tokenize('I need a review of this code, please')).toEqual(['review', 'code'])
  })

  it('folds plurals so a request and a description meet', () => {
    expect(tokenize('vulnerabilities tests analyzes')).toEqual(tokenize('vulnerability test analyze'))
    expect(tokenize('class status')).toEqual(['class', 'status'])
  })

  it('keeps letters and digits of any script', () => {
    expect(tokenize('Überprüfe den Code für Python3 — 日本語')).toEqual(['überprüfe', 'den', 'code', 'für', 'python3', '日本語'])
  })
})

describe('BM25 index', () => {
  it('ranks the document about the request first', () => {
    const index = indexOf(LIBRARY)
    expect(index.search('review my web app for SQL injection', 3)[0]?.id).toBe('review')
    expect(index.search('poems for a birthday', 3)[0]?.id).toBe('poems')
    expect(index.search('forecast revenue', 3)[0]?.id).toBe('forecast')
  })

  it('weighs a word in the name above the same word in the description', () => {
    // Same length, same words: only where "security" stands differs.
    const index = indexOf([
      ['in-description', doc('Bug scanner', 'finds security bugs')],
      ['in-name', doc('Security scanner', 'finds bug bugs')]
    ])
    expect(index.search('security', 2).map(h => h.id)).toEqual(['in-name', 'in-description'])
  })

  it('weighs rare words above common ones', () => {
    // "python" names three documents, "rust" one: the one Rust tool beats every Python tool.
    const index = indexOf([
      ['py-format', doc('Python formatter')],
      ['py-lint', doc('Python linter')],
      ['py-profile', doc('Python profiler')],
      ['rs-format', doc('Rust formatter')]
    ])
    expect(index.search('python rust', 4)[0]?.id).toBe('rs-format')
  })

  it('prefers a focused document over a long one that mentions the word in passing', () => {
    const index = indexOf([
      ['rambling', doc('Helper', 'Does many things: invoices, calendars, email, spreadsheets, translations, summaries, and forecasts too')],
      ['focused', doc('Helper', 'Forecasts')]
    ])
    expect(index.search('forecasts', 2).map(h => h.id)).toEqual(['focused', 'rambling'])
  })

  it('says which query words each document matched', () => {
    expect(indexOf(LIBRARY).search('unit tests for python', 1)[0]?.matched).toEqual(['unit', 'test', 'python'])
  })

  it('never returns documents that share no word with the query', () => {
    const index = indexOf(LIBRARY)
    expect(index.search('kubernetes rollback', 10)).toEqual([])
    expect(index.search('the of and', 10)).toEqual([])
  })

  it('returns at most `limit` hits, best first', () => {
    const hits = indexOf(LIBRARY).search('writes code tests', 2)
    expect(hits).toHaveLength(2)
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score)
  })

  it('fills the limit with admitted documents when the best ones are filtered out', () => {
    const hits = indexOf(LIBRARY).search('writes', 2, id => id !== 'tests')
    expect(hits.map(h => h.id)).not.toContain('tests')
    expect(hits).toHaveLength(2)
  })

  it('after a removal, ranks exactly as a fresh index without that document', () => {
    const index = indexOf(LIBRARY)
    expect(index.remove('tests')).toBe(true)
    const fresh = indexOf(LIBRARY.filter(([id]) => id !== 'tests'))
    for (const query of ['writes code tests', 'security review', 'rust unit', 'poems']) {
      expect(index.search(query, 10)).toEqual(fresh.search(query, 10))
    }
    expect(index.size).toBe(fresh.size)
  })

  it('replaces a document added again under the same id, and reuses a freed slot cleanly', () => {
    const index = indexOf(LIBRARY)
    index.add('poems', doc('Limerick writer', 'Writes funny limericks'))
    expect(index.search('poetry', 10)).toEqual([])
    index.remove('rust')
    index.add('ops', doc('Kubernetes operator', 'Rolls back deployments'))
    expect(index.search('rust', 10)).toEqual([])
    expect(index.search('kubernetes', 10).map(h => h.id)).toEqual(['ops'])
    expect(index.size).toBe(LIBRARY.length)
  })

  it('forgets a removed document completely', () => {
    const index = indexOf(LIBRARY)
    index.remove('poems')
    expect(index.remove('poems')).toBe(false)
    expect(index.search('poems birthday', 10)).toEqual([])
  })
})
