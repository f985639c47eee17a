/**
 * Lets `work`, just started (a write through the stream stack, a tool call), reach the OS, then runs `meanwhile` (a
 * synchronous SQLite commit) so it overlaps the other side's work instead of delaying it. The caller awaits `work` after.
 */
export async function whileInFlight (work: Promise<unknown>, meanwhile: () => void): Promise<void> {
  work.catch(() => undefined) // the caller awaits it; should `meanwhile` throw first, its failure is not left unhandled
  await new Promise(resolve => setImmediate(resolve))
  meanwhile()
}
