/**
 * Resolves at the event loop's next turn: whatever was just started (a write through the stream stack, a tool call) has
 * reached the OS by then, so synchronous work after it (a SQLite commit) overlaps with the other side's instead of delaying it.
 */
export async function nextTurn (): Promise<void> {
  await new Promise(resolve => setImmediate(resolve))
}
