/** The places private keys can rest; recorded per data directory, never switched silently. */
export type SecretStoreKindName = 'keychain' | 'file' | 'memory'
export const KEYSTORE_KINDS = ['keychain', 'file'] as const
