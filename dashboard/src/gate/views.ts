// The source manager as the server sees it behind the gate: every source view carries its
// quarantine (metadata only), quarantined sources' live frame previews (JPEG) never reach a
// subscriber, and a quarantine is announced to everyone at once as a source change.
import type { SourceView } from '../protocol.ts';
import type { SourceChangeListener, SourceManager } from '../sources/types.ts';
import type { QuarantineRegistry } from './registry.ts';

export function withQuarantine(view: SourceView, gate: QuarantineRegistry): SourceView {
  return { ...view, quarantine: gate.get(view.id) };
}

export interface GatedManager extends SourceManager {
  /** Stops announcing quarantines (the underlying manager is the caller's to close). */
  detach(): void;
}

export function gateManager(manager: SourceManager, gate: QuarantineRegistry): GatedManager {
  const view = (v: SourceView): SourceView => withQuarantine(v, gate);
  const viewOrNull = (v: SourceView | null): SourceView | null => (v ? view(v) : null);
  const changeListeners = new Set<SourceChangeListener>();
  // A new quarantine: every client sees the source's new view (badge, no picture) at once.
  const offGate = gate.onQuarantine((sourceId) => {
    void manager
      .get(sourceId)
      .then((v) => {
        if (!v) return;
        for (const l of changeListeners) l(sourceId, view(v));
      })
      .catch(() => undefined);
  });
  return {
    add: async (req) => view(await manager.add(req)),
    list: async () => (await manager.list()).map(view),
    recover: async () => (await manager.recover()).map(view),
    get: async (id) => viewOrNull(await manager.get(id)),
    stop: async (id) => view(await manager.stop(id)),
    remove: (id) => manager.remove(id),
    subscribe(id, listener) {
      // Checked per message: previews stop the moment the source is quarantined.
      return manager.subscribe(id, (m) => {
        if (m.type === 'frame' && gate.isQuarantined(m.sourceId)) return;
        listener(m);
      });
    },
    onChange(listener) {
      changeListeners.add(listener);
      const off = manager.onChange((id, v) => listener(id, viewOrNull(v)));
      return () => {
        changeListeners.delete(listener);
        off();
      };
    },
    settled: async (id) => viewOrNull(await manager.settled(id)),
    onTiming: (l) => manager.onTiming(l),
    get stats() {
      return manager.stats;
    },
    videoInput: async (id) => (gate.isQuarantined(id) ? null : manager.videoInput(id)),
    close: () => manager.close(),
    detach: () => offGate(),
  };
}
