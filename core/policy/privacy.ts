import { InvalidPolicySettingError } from '../api/errors.ts'
import { DATA_CLASSES, type DataClass, type EgressAction, type EgressClause, type EgressPreview, type MarkedPath, type PrivacyRules } from '../api/policy.ts'
import type { Database } from '../store/database.ts'
import { classify, DEFAULT_EGRESS_ACTIONS, previewEgress } from './egress.ts'
import { parsePattern } from './json-path.ts'

// The person's privacy rules (migration 6): an action per data class and the fields they marked, and the previews made from them.

const ACTIONS: readonly EgressAction[] = ['allow', 'redact', 'block']

export class Privacy {
  private readonly sql: ReturnType<typeof prepare>

  constructor (db: Database) {
    this.sql = prepare(db)
  }

  rules (): PrivacyRules {
    const actions = { ...DEFAULT_EGRESS_ACTIONS }
    for (const row of this.sql.actions.all() as Array<{ data_class: DataClass, action: EgressAction }>) actions[row.data_class] = row.action
    const marked = (this.sql.marked.all() as Array<{ path: string, data_class: DataClass }>).map(row => ({ path: row.path, dataClass: row.data_class }))
    return { actions, marked }
  }

  setAction (dataClass: DataClass, action: EgressAction): void {
    checkClass(dataClass)
    if (!ACTIONS.includes(action)) throw new InvalidPolicySettingError(`"${action}" is not an egress action (allow, redact or block)`)
    this.sql.setAction.run(dataClass, action)
  }

  /** Back to the built-in action for a class. */
  resetAction (dataClass: DataClass): boolean {
    return this.sql.resetAction.run(dataClass).changes > 0
  }

  /** Mark a JSON field (a pattern such as `$.items[*].card`) as holding a data class; marking it again changes the class. */
  mark (marked: MarkedPath): void {
    parsePattern(marked.path)
    checkClass(marked.dataClass)
    this.sql.mark.run(marked.path, marked.dataClass)
  }

  unmark (path: string): boolean {
    return this.sql.unmark.run(path).changes > 0
  }

  preview (payload: unknown, clause?: EgressClause): EgressPreview {
    return previewEgress(payload, this.rules(), clause)
  }

  classify (payload: unknown): DataClass[] {
    return classify(payload, this.rules())
  }
}

function checkClass (dataClass: string): void {
  if (!(DATA_CLASSES as readonly string[]).includes(dataClass)) throw new InvalidPolicySettingError(`"${dataClass}" is not a data class (${DATA_CLASSES.join(', ')})`)
}

function prepare (db: Database) {
  return {
    actions: db.prepare('SELECT data_class, action FROM egress_actions'),
    setAction: db.prepare('INSERT INTO egress_actions (data_class, action) VALUES (?, ?) ON CONFLICT (data_class) DO UPDATE SET action = excluded.action'),
    resetAction: db.prepare('DELETE FROM egress_actions WHERE data_class = ?'),
    marked: db.prepare('SELECT path, data_class FROM marked_paths ORDER BY path'),
    mark: db.prepare('INSERT INTO marked_paths (path, data_class) VALUES (?, ?) ON CONFLICT (path) DO UPDATE SET data_class = excluded.data_class'),
    unmark: db.prepare('DELETE FROM marked_paths WHERE path = ?')
  }
}
