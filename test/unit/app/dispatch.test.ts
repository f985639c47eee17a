import { describe, expect, it } from 'vitest'
import { API_METHODS } from '../../../core/api/app.ts'
import { API_PARAMS } from '../../../core/api/app-schemas.ts'
import { dispatch, parseParams } from '../../../core/app/dispatch.ts'

describe('api params', () => {
  it('has a schema for every method of the contract', () => {
    expect(Object.keys(API_PARAMS).sort()).toEqual([...API_METHODS].sort())
  })

  it('refuses unknown methods, unknown fields and bad values with one UsageError', async () => {
    await expect(dispatch({}, 'fs.readFile', {})).rejects.toMatchObject({ name: 'UsageError' })
    expect(() => parseParams('grants.revoke', { id: 'g1', extra: true })).toThrow(/Unrecognized key/)
    expect(() => parseParams('trust.threshold.set', { topic: 'data_analysis', minTrust: 2 })).toThrow(/relative trust from 0 to 1/)
    expect(() => parseParams('data.deleteAll', { confirm: 'yes' })).toThrow(/delete everything/)
    expect(() => parseParams('agent.llm.set', { baseUrl: 'file:///etc/passwd' })).toThrow()
    expect(parseParams('agent.llm.set', { clear: true })).toEqual({ clear: true })
    expect(parseParams('app.status', undefined)).toEqual({})
  })

  it('takes the data classes a delegation may send, and marked fields to add or remove, and nothing else there', () => {
    const delegation = { intent: 'count words', input: { text: 'a b' }, allow: ['public', 'contact'] }
    expect(parseParams('task.delegate', delegation)).toEqual(delegation)
    expect(() => parseParams('task.delegate', { ...delegation, allow: ['gossip'] })).toThrow()
    const marking = { classes: {}, marked: { add: [{ path: '$.user.email', dataClass: 'contact' }], remove: ['$.old'] } }
    expect(parseParams('agent.privacy.set', marking)).toEqual(marking)
    expect(() => parseParams('agent.privacy.set', { classes: {}, marked: { add: [{ path: 'user.email', dataClass: 'contact' }] } })).toThrow(/starts with \$/)
    expect(() => parseParams('agent.privacy.set', { classes: {}, marked: { add: [{ path: '$.a', dataClass: 'secret' }] } })).toThrow()
    expect(() => parseParams('agent.privacy.set', { classes: {}, marked: { rename: [] } })).toThrow(/Unrecognized key/)
  })

  it('hands a handler its validated params', async () => {
    const seen: unknown[] = []
    const value = await dispatch({ 'grants.revoke': async params => { seen.push(params); return { id: params.id } as never } }, 'grants.revoke', { id: 'g1' })
    expect(seen).toEqual([{ id: 'g1' }])
    expect(value).toEqual({ id: 'g1' })
    await expect(dispatch({}, 'grants.revoke', { id: 'g1' })).rejects.toThrow(/not answered here/)
  })
})
