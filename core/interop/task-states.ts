import { TaskState as A2aState } from '@a2a-js/sdk'
import type { TaskState } from '../api/negotiation.ts'

// Hearth's task states are A2A's, by name; the SDK numbers them as its protobuf enum does.

const TO_A2A: Readonly<Record<TaskState, A2aState>> = {
  submitted: A2aState.TASK_STATE_SUBMITTED,
  working: A2aState.TASK_STATE_WORKING,
  'input-required': A2aState.TASK_STATE_INPUT_REQUIRED,
  'auth-required': A2aState.TASK_STATE_AUTH_REQUIRED,
  completed: A2aState.TASK_STATE_COMPLETED,
  canceled: A2aState.TASK_STATE_CANCELED,
  failed: A2aState.TASK_STATE_FAILED,
  rejected: A2aState.TASK_STATE_REJECTED
}

const FROM_A2A = new Map<A2aState, TaskState>(Object.entries(TO_A2A).map(([name, state]) => [state, name as TaskState]))

export function toA2aState (state: TaskState): A2aState {
  return TO_A2A[state]
}

/** Undefined for the SDK's unspecified or unrecognised states. */
export function fromA2aState (state: A2aState): TaskState | undefined {
  return FROM_A2A.get(state)
}
