import { AsyncEntry, findCredentialsAsync } from '@napi-rs/keyring'
import { ENTRY_OPTIONS, SERVICE } from '../../core/identity/secret-store/keychain.ts'

// The real OS keychain as the keychain tests see it: every entry of service hearth, whichever test file wrote it.

const ATTEMPTS = 5

/** Accounts of service hearth under `prefix`, sorted. Other test files write and delete entries meanwhile: one may vanish between the search and reading it, so the listing is tried again. */
export async function keychainAccounts (prefix: string): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await findCredentialsAsync(SERVICE)).map(c => c.account).filter(account => account.startsWith(prefix)).sort()
    } catch (err) {
      if (attempt >= ATTEMPTS || !(err instanceof Error) || !err.message.includes('does not exist')) throw err
    }
  }
}

/** Deletes every entry of service hearth whose account starts with `prefix`. */
export async function removeKeychainEntries (prefix: string): Promise<void> {
  for (const account of await keychainAccounts(prefix)) await new AsyncEntry(SERVICE, account, ENTRY_OPTIONS).deleteCredential()
}
