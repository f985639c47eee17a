import { randomUUID } from 'node:crypto'
import { Role, type Artifact, type Message, type Part } from '@a2a-js/sdk'

// The A2A shapes the endpoint answers with, spelled out once (the SDK's types make every field explicit).

export function textPart (text: string): Part {
  return { content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }
}

export function dataPart (value: unknown): Part {
  return { content: { $case: 'data', value }, metadata: undefined, filename: '', mediaType: 'application/json' }
}

export function agentMessage (taskId: string, contextId: string, text: string, metadata?: Record<string, unknown>): Message {
  return { messageId: randomUUID(), contextId, taskId, role: Role.ROLE_AGENT, parts: [textPart(text)], metadata, extensions: [], referenceTaskIds: [] }
}

/** A delegation's result as the task's one artifact: the value as data, and as text when it is text. */
export function resultArtifact (result: unknown): Artifact {
  const parts = typeof result === 'string' ? [textPart(result)] : [dataPart(result)]
  // One result per task: the same id whether the task is live or read back after a restart.
  return { artifactId: 'result', name: 'result', description: 'What the delegated task returned', parts, metadata: undefined, extensions: [] }
}
