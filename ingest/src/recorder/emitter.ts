/** Listener maps: event name → listener signature. */
type ListenerMap<E> = { [K in keyof E]: (...args: never[]) => void };

/**
 * A minimal typed event emitter. Unlike node's EventEmitter, an 'error' without listeners is not
 * thrown, and a listener that throws cannot break the emitter or the listeners after it
 * (mediasoup's safeEmit): the recorder's own state must not depend on its subscribers.
 */
export class Emitter<E extends ListenerMap<E>> {
  private readonly listeners = new Map<keyof E, Set<E[keyof E]>>();

  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<K extends keyof E>(event: K, listener: E[K]): void {
    this.listeners.get(event)?.delete(listener);
  }

  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as (...a: Parameters<E[K]>) => void)(...args);
      } catch {
        // The subscriber's failure is its own; recording goes on.
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
