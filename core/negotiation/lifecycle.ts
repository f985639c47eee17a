import { IllegalTransitionError } from '../api/errors.ts'
import { TERMINAL_STATES, type TaskState } from '../api/negotiation.ts'

// The A2A task state machine: which state may follow which. A terminal state is final, so a late message never revives a task.

const NEXT: Readonly<Record<TaskState, readonly TaskState[]>> = {
  submitted: ['working', 'input-required', 'auth-required', 'canceled', 'failed', 'rejected'],
  working: ['input-required', 'auth-required', 'completed', 'canceled', 'failed'],
  'input-required': ['working', 'canceled', 'failed'],
  // The provider's person decides: approve resumes the work, deny rejects it.
  'auth-required': ['working', 'rejected', 'canceled', 'failed'],
  completed: [],
  canceled: [],
  failed: [],
  rejected: []
}

export function isTerminal (state: TaskState): boolean {
  return (TERMINAL_STATES as readonly TaskState[]).includes(state)
}

export function canTransition (from: TaskState, to: TaskState): boolean {
  return NEXT[from].includes(to)
}

/** Throws IllegalTransitionError unless `to` may follow `from`. */
export function assertTransition (task: string, from: TaskState, to: TaskState): void {
  if (!canTransition(from, to)) {
    throw new IllegalTransitionError(`task ${task} cannot go from ${from} to ${to}`, {
      hint: isTerminal(from) ? `${from} is final` : `from ${from} it may go to ${NEXT[from].join(', ')}`
    })
  }
}
