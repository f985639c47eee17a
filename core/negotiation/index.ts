// The negotiation plane's public face: task messages and lifecycle, the leader's selection, the followers' best
// response, and attribution feedback with its regression suite (mechanisms §6).

export { decodeAward, decodeCancel, decodeOffer, decodeTaskMessage, decodeTaskRequest, decodeTaskResult, encodeAward, encodeCancel, encodeOffer, encodeTaskRequest, encodeTaskResult, type TaskMessage } from './messages.ts'
export { assertTransition, canTransition, isTerminal } from './lifecycle.ts'
export { TaskStore, type NewTask, type TaskListing, type TransitionNote } from './task-store.ts'
export { TaskBoard, type MoveNote, type NoteOf, type TaskBoardComponents, type TaskBoardInit } from './task-board.ts'
export { outputText, stateEntry, type TaskBoardEvents, type TaskNote, type TaskTimelineEntry } from './timeline.ts'
export { MAX_WINDOW_MS, termsFor, windowOf, type Mechanism } from './mechanism.ts'
export { inadmissible, selectOffers, TRUST_FLOOR, type RankedOffer } from './selection.ts'
export { bestResponse, expectedUtility, honestPlan, lateChance, type OfferBody, type Plan, type ProviderProfile } from './best-response.ts'
export { facts, type FailureFacts, type FailureTrace } from './trace.ts'
export { detectionChance, recurs } from './replay.ts'
export { RuleAttributor, ruleFor, type Attribution, type Attributor } from './attribution.ts'
export { LlmAttributor, type LlmAttributorInit } from './llm-attributor.ts'
export { proposeRepair } from './repair.ts'
export { checkTraces, RegressionSuite, type BlamedTrace, type RegressionCheck, type RepairOutcome } from './regression.ts'
export { TraceStore, type AdoptedMechanism } from './trace-store.ts'
export { negotiationMigrations } from './migrations.ts'
