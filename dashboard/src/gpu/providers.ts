// The provider clients the pool may use right now, built from the current keys. A client is
// rebuilt when its key changes (settings page), so a new key takes effect without a restart.
import type { GpuProvider, ProviderName } from '@aima/inference';
import { KEYED_PROVIDERS, type GpuKeyStore, type KeyedProvider } from './keys.ts';
import type { ProviderSource } from './types.ts';

/** Builds a client for a provider from its key (createRunpodProvider / createVastProvider). */
export type ProviderFactory = (name: KeyedProvider, apiKey: string) => GpuProvider;

export function keyedProviders(keys: GpuKeyStore, make: ProviderFactory): ProviderSource {
  const cache = new Map<KeyedProvider, { key: string; client: GpuProvider }>();
  const isKeyed = (n: ProviderName): n is KeyedProvider => (KEYED_PROVIDERS as readonly string[]).includes(n);
  return {
    get(name) {
      if (!isKeyed(name)) return null;
      const key = keys.get(name);
      if (key === null) return null;
      const hit = cache.get(name);
      if (hit !== undefined && hit.key === key) return hit.client;
      const client = make(name, key);
      cache.set(name, { key, client });
      return client;
    },
    configured: () => KEYED_PROVIDERS.filter((p) => keys.get(p) !== null),
  };
}
