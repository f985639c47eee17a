import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { z } from 'zod'
import { bytes } from '../common/schema.ts'
import { decode, encode, equalBytes } from '../common/codec.ts'
import { BackupCorruptError, KeyFileCorruptError, SecretMissingError } from '../api/errors.ts'
import { generateSeed, privateKeyObject, publicKeyOf, rememberSigned, signWith } from './ed25519.ts'
import type { Signer } from './envelope.ts'
import { peerIdOf } from './ids.ts'
import { openWithPassphrase, sealWithPassphrase, type KdfCost } from './passphrase-box.ts'
import type { SecretStore } from './secret-store/secret-store.ts'

// The only module that touches private keys: it creates them, signs with them, and seals them into backups.
// Callers get public keys and Signers, never key bytes.

const OWNER = 'owner'
/** The person's LLM endpoint key: kept beside the identity keys so it never rests in config or the database. */
const LLM_API_KEY = 'llm/api-key'
const agentSecretName = (agent: Uint8Array): string => `agent/${peerIdOf(agent)}`

const BackupSchema = z.object({
  v: z.literal(1),
  kind: z.literal('hearth/key-backup'),
  owner: bytes(32),
  agent: bytes(32),
  attachment: bytes()
}).strict()

const MAX_BACKUP_BYTES = 4 * 1024 * 1024

export class Keystore {
  readonly secrets: SecretStore
  /** The agent key's Signer per agent: every task message is signed, and the key is in memory for libp2p anyway. */
  private readonly agentSigners = new Map<string, Promise<Signer>>()

  constructor (secrets: SecretStore) {
    this.secrets = secrets
  }

  get kind (): SecretStore['kind'] {
    return this.secrets.kind
  }

  async createOwnerKey (): Promise<Uint8Array> {
    return this.storeSeed(OWNER, generateSeed())
  }

  async createAgentKey (): Promise<Uint8Array> {
    const seed = generateSeed()
    return this.storeSeed(agentSecretName(publicKeyOf(seed)), seed)
  }

  async ownerSigner (owner: Uint8Array): Promise<Signer> {
    return signerFor(await this.seed(OWNER, owner, 'owner key'))
  }

  async agentSigner (agent: Uint8Array): Promise<Signer> {
    const name = agentSecretName(agent)
    let signer = this.agentSigners.get(name)
    if (signer === undefined) {
      signer = this.seed(name, agent, `agent key ${peerIdOf(agent)}`).then(signerFor)
      this.agentSigners.set(name, signer)
      // A key that could not be read (keychain locked) is asked for again next time.
      signer.catch(() => { if (this.agentSigners.get(name) === signer) this.agentSigners.delete(name) })
    }
    return await signer
  }

  /** The agent key as libp2p wants it: the network runs under the same key the BAID binds. */
  async libp2pKey (agent: Uint8Array): Promise<Ed25519PrivateKey> {
    return generateKeyPairFromSeed('Ed25519', await this.seed(agentSecretName(agent), agent, `agent key ${peerIdOf(agent)}`))
  }

  async hasKeys (owner: Uint8Array, agent: Uint8Array): Promise<boolean> {
    const [o, a] = await Promise.all([this.secrets.get(OWNER), this.secrets.get(agentSecretName(agent))])
    return o !== undefined && a !== undefined && equalBytes(publicKeyOf(o), owner) && equalBytes(publicKeyOf(a), agent)
  }

  async deleteAgentKey (agent: Uint8Array): Promise<void> {
    this.agentSigners.delete(agentSecretName(agent))
    await this.secrets.delete(agentSecretName(agent))
  }

  async setLlmApiKey (apiKey: string | undefined): Promise<void> {
    if (apiKey === undefined) await this.secrets.delete(LLM_API_KEY)
    else await this.secrets.set(LLM_API_KEY, new TextEncoder().encode(apiKey))
  }

  /** Only for the requests to the person's own LLM endpoint; never shown or exported. */
  async llmApiKey (): Promise<string | undefined> {
    const bytes = await this.secrets.get(LLM_API_KEY)
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes)
  }

  /** Remove every secret of this data directory: the owner key, the agent key named, and the LLM API key. */
  async forget (agent: Uint8Array | undefined): Promise<void> {
    this.agentSigners.clear()
    await this.secrets.delete(OWNER)
    if (agent !== undefined) await this.secrets.delete(agentSecretName(agent))
    await this.secrets.delete(LLM_API_KEY)
  }

  /** Both keys and a public attachment (the BAID chain), sealed under a passphrase, for moving to another device. */
  async sealBackup (owner: Uint8Array, agent: Uint8Array, attachment: Uint8Array, passphrase: string, cost?: KdfCost): Promise<Uint8Array> {
    const plaintext = encode({
      v: 1,
      kind: 'hearth/key-backup',
      owner: await this.seed(OWNER, owner, 'owner key'),
      agent: await this.seed(agentSecretName(agent), agent, `agent key ${peerIdOf(agent)}`),
      attachment
    })
    try {
      return await sealWithPassphrase(plaintext, passphrase, cost === undefined ? {} : { cost })
    } finally {
      plaintext.fill(0)
    }
  }

  /** Open a backup, store its keys here, and return the attachment it carried with the public keys it restored. */
  async restoreBackup (box: Uint8Array, passphrase: string): Promise<{ owner: Uint8Array, agent: Uint8Array, attachment: Uint8Array }> {
    const plaintext = await openWithPassphrase(box, passphrase).catch((err: unknown) => {
      throw err instanceof KeyFileCorruptError ? new BackupCorruptError(`the backup file is damaged: ${err.message}`, { cause: err }) : err
    })
    let backup: z.infer<typeof BackupSchema>
    try {
      const parsed = BackupSchema.safeParse(decode(plaintext, MAX_BACKUP_BYTES, 'key backup'))
      if (!parsed.success) throw new BackupCorruptError('the backup opened but its contents are not a Hearth key backup')
      backup = parsed.data
    } finally {
      plaintext.fill(0)
    }
    const owner = await this.storeSeed(OWNER, backup.owner)
    const agent = await this.storeSeed(agentSecretName(publicKeyOf(backup.agent)), backup.agent)
    return { owner, agent, attachment: backup.attachment }
  }

  private async storeSeed (name: string, seed: Uint8Array): Promise<Uint8Array> {
    this.agentSigners.delete(name)
    await this.secrets.set(name, seed)
    return publicKeyOf(seed)
  }

  private async seed (name: string, expectedPublicKey: Uint8Array, what: string): Promise<Uint8Array> {
    const seed = await this.secrets.get(name)
    if (seed === undefined) {
      throw new SecretMissingError(`the ${what} is not in the ${this.secrets.location}`, {
        hint: 'restore it with `hearth id restore <backup>`, or use the data directory and --keystore it was created with'
      })
    }
    if (!equalBytes(publicKeyOf(seed), expectedPublicKey)) {
      throw new SecretMissingError(`the ${what} in the ${this.secrets.location} does not match this identity`, {
        hint: 'the keystore holds another identity\'s key: use the data directory it belongs to, or restore from a backup'
      })
    }
    return seed
  }
}

function signerFor (seed: Uint8Array): Signer {
  const key = privateKeyObject(seed)
  const publicKey = publicKeyOf(seed)
  return {
    publicKey,
    sign: message => {
      const signature = signWith(key, message)
      rememberSigned(publicKey, message, signature)
      return signature
    }
  }
}
