/**
 * The iterator of a source that is read once: a second iteration is a programming error, and
 * leaving the loop early (break, throw) closes the source before the loop exits.
 */
export function onceIterator<T>(
  owner: { iterated: boolean },
  what: string,
  next: () => Promise<IteratorResult<T>>,
  close: () => Promise<void>,
): AsyncIterator<T> {
  if (owner.iterated) throw new Error(`a ${what} can be iterated only once`);
  owner.iterated = true;
  return {
    next,
    return: async () => {
      await close();
      return { value: undefined, done: true };
    },
  };
}
