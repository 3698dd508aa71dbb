/** Runs a call under the store's lifecycle (rejects once closed; close() waits for it). */
export type Run = <T>(fn: () => Promise<T>) => Promise<T>;
