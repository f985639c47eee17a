// Hash routing (#/inbox/<id>, #/tasks/<id>, …): works from a file in Electron and lets a notification open one request.

export type ViewName = 'inbox' | 'delegate' | 'tasks' | 'network' | 'trust' | 'agent' | 'ledger' | 'identity' | 'settings' | 'activity'

export const VIEWS: ReadonlyArray<{ readonly view: ViewName, readonly label: string }> = [
  { view: 'inbox', label: 'Inbox' },
  { view: 'delegate', label: 'Delegate' },
  { view: 'tasks', label: 'Negotiations' },
  { view: 'network', label: 'Network' },
  { view: 'trust', label: 'Trust' },
  { view: 'agent', label: 'My agent' },
  { view: 'ledger', label: 'Ledger' },
  { view: 'identity', label: 'Identity' },
  { view: 'settings', label: 'Settings' },
  { view: 'activity', label: 'Activity' }
]

export interface Route { readonly view: ViewName, readonly id: string | undefined }

function parse (hash: string): Route {
  const [view, id] = hash.replace(/^#\/?/, '').split('/').map(part => decodeURIComponent(part))
  const known = VIEWS.find(v => v.view === view)
  return { view: known?.view ?? 'inbox', id: id === '' ? undefined : id }
}

class Router {
  #route = $state<Route>(parse(window.location.hash))

  constructor () {
    window.addEventListener('hashchange', () => { this.#route = parse(window.location.hash) })
  }

  get route (): Route { return this.#route }
}

export const router = new Router()

export function href (view: ViewName, id?: string): string {
  return id === undefined ? `#/${view}` : `#/${view}/${encodeURIComponent(id)}`
}

export function go (view: ViewName, id?: string): void {
  window.location.hash = href(view, id)
}
