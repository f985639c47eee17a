/** The places private keys can rest; recorded per data directory, never switched silently. */
/** `safe-storage`: Electron's safeStorage, so only the desktop app opens such a data directory. */
export type SecretStoreKindName = 'keychain' | 'file' | 'safe-storage' | 'memory'
export const KEYSTORE_KINDS = ['keychain', 'file'] as const
