/** Thrown from an until() check to stop waiting at once (the wait can no longer succeed). */
export class FatalError extends Error {}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function until<T>(what: string, check: () => Promise<T> | T, timeoutMs = 5000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      last = v;
    } catch (err) {
      if (err instanceof FatalError) throw err;
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves to the rejection of a promise that must fail. */
export async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
