import { MemorySecretStore } from '../../../core/identity/secret-store/memory.ts'
import { secretStoreCompliance } from './secret-store.compliance.ts'

secretStoreCompliance('memory', {
  persistent: false,
  create: async () => {
    const places = new Map<string, MemorySecretStore>()
    return {
      open: async place => {
        const store = places.get(place) ?? new MemorySecretStore()
        places.set(place, store)
        return store
      },
      cleanup: async () => {}
    }
  }
})
