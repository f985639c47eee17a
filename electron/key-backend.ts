import type { SafeStorage } from 'electron'
import type { SafeStorageCipher } from '../core/identity/secret-store/safe-storage.ts'

// Electron's safeStorage as core's SafeStorageCipher. Only Linux has several backends to tell apart; macOS always
// uses the Keychain and Windows DPAPI.

export function safeStorageCipher (safeStorage: SafeStorage, platform: NodeJS.Platform = process.platform): SafeStorageCipher {
  return {
    isEncryptionAvailable: () => safeStorage.isEncryptionAvailable(),
    encryptString: plain => safeStorage.encryptString(plain),
    decryptString: sealed => safeStorage.decryptString(Buffer.from(sealed)),
    backend: () => platform === 'linux' ? safeStorage.getSelectedStorageBackend() : platform === 'darwin' ? 'keychain' : 'dpapi'
  }
}
