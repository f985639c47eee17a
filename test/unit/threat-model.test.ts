import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// docs/threat-model.md promises that every test it names is a real it(…) in the file given; this keeps that true.
const root = fileURLToPath(new URL('../..', import.meta.url))
const doc = readFileSync(`${root}docs/threat-model.md`, 'utf8')

/** Every `test/…` file the document cites with › and the quoted test names after it. */
function citations (text: string): Array<{ file: string, names: string[] }> {
  return [...text.matchAll(/`(test\/[^`]+)`\s*›\s*((?:"[^"]*"(?:,\s*)?)+)/g)]
    .map(([, file, quoted]) => ({ file: file!, names: [...quoted!.matchAll(/"([^"]*)"/g)].map(m => m[1]!) }))
}

/** The titles of a spec file's tests and groups of tests, with quote escapes undone. */
function testTitles (source: string): Set<string> {
  const titles = [...source.matchAll(/\b(?:it|test|describe)(?:\.\w+)?\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g)]
  return new Set(titles.map(m => m[2]!.replace(/\\(.)/g, '$1')))
}

describe('docs/threat-model.md', () => {
  it('names only tests that exist, in the files it gives', () => {
    const cited = citations(doc)
    expect(cited.length).toBeGreaterThan(30)
    const missing = cited.flatMap(({ file, names }) => {
      if (!existsSync(`${root}${file}`)) return [`${file} (no such file)`]
      const titles = testTitles(readFileSync(`${root}${file}`, 'utf8'))
      return names.filter(name => !titles.has(name)).map(name => `${file} › "${name}"`)
    })
    expect(missing).toEqual([])
  })

  it('reads a cited title the way the check above does, so a renamed test is caught', () => {
    expect(citations('`test/x.test.ts` › "a", "b\'s"; `test/y.spec.ts` › "c"')).toEqual([
      { file: 'test/x.test.ts', names: ['a', "b's"] },
      { file: 'test/y.spec.ts', names: ['c'] }
    ])
    expect(testTitles("it('keeps the provider\\'s side', () => {})\n  describe.concurrent(\"two\", x)")).toEqual(new Set(["keeps the provider's side", 'two']))
  })
})
