// The gate on remote workers, and the control plane's quarantine registry: the rows it stores (quarantines, audit_events) pass the worker
// policy for the assignment's own source and are refused for another one; the control plane's
// guard maps a signed worker file URL to its source.
import { describe, expect, it } from 'vitest';
import { auditRow, quarantineRow } from '@aima/inference';
import { checkRpc } from '../src/workers/policy.ts';
import type { QuarantineRecord } from '@aima/storage';
import { pixelSourceOf } from '../src/gate/guard.ts';
import { openQuarantineRegistry } from '../src/gate/registry.ts';

describe('the gate on workers', () => {
  const verdict = { seq: 3, ts: 1000, faces: 1, minAge: 12, verdict: 'minor' as const, threshold: 22 };
  const q = quarantineRow('src-1', 1000, 'SAFETY_MINOR_DETECTED', ['nsfw'], verdict, '');

  it('quarantine and audit rows of the assignment’s source are allowed', () => {
    expect(checkRpc('store', 'insertAnalyzerRows', ['quarantines', [q]], 'src-1')).toBeNull();
    expect(checkRpc('store', 'insertAnalyzerRows', ['audit_events', [auditRow(q)]], 'src-1')).toBeNull();
  });

  it('rows naming another source are refused', () => {
    expect(checkRpc('store', 'insertAnalyzerRows', ['quarantines', [q]], 'src-2')).toMatch(/another source/);
    expect(checkRpc('store', 'insertAnalyzerRows', ['audit_events', [auditRow(q)]], 'src-2')).toMatch(
      /another source/,
    );
  });

  it('pixel routes name their source; a worker file URL is mapped through the hub', () => {
    const files = (sig: string): string | null => (sig === 'abc.1.x' ? 'src-1' : null);
    expect(pixelSourceOf('/api/v1/workers/files/abc.1.x', { sourceForFile: files })).toEqual({
      sourceId: 'src-1',
      what: 'media files',
    });
    expect(pixelSourceOf('/api/v1/sources/a%20b/frame')).toEqual({ sourceId: 'a b', what: 'frames' });
    expect(pixelSourceOf('/api/v1/sources/x/recordings/123.mp4')?.what).toBe('recordings');
    expect(pixelSourceOf('/api/v1/sources/x/detections')).toBeNull();
    expect(pixelSourceOf('/api/v1/appearances/x/7/crop.jpg')?.sourceId).toBe('x');
  });
});

describe('the quarantine registry', () => {
  it('fails closed: a store it cannot read leaves every source without pixels', async () => {
    const reg = await openQuarantineRegistry({
      listQuarantines: () => Promise.reject(new Error('chDB is down')),
      watchQuarantines: () => () => undefined,
    });
    expect(reg.loaded).toBe(false);
    expect(reg.isQuarantined('any-source')).toBe(true);
    reg.close();
  });

  it('hears a quarantine stored while it loads, once per source', async () => {
    let push: ((q: QuarantineRecord) => void) | null = null;
    const q = (sourceId: string): QuarantineRecord => ({
      sourceId, ts: 5, code: 'SAFETY_AGE_UNKNOWN', reason: 'r', analyzer: 'nsfw', age: null, threshold: 22,
    }); // prettier-ignore
    const reg = await openQuarantineRegistry({
      async listQuarantines() {
        push!(q('during-load'));
        return [q('stored')];
      },
      watchQuarantines(l) {
        push = l;
        return () => (push = null);
      },
    });
    const heard: string[] = [];
    reg.onQuarantine((id) => heard.push(id));
    push!(q('later'));
    push!(q('later'));
    expect(heard).toEqual(['later']);
    expect(['during-load', 'stored', 'later'].every((id) => reg.isQuarantined(id))).toBe(true);
    expect(reg.isQuarantined('clean')).toBe(false);
    expect(reg.get('stored')).toEqual({ code: 'SAFETY_AGE_UNKNOWN', reason: 'r', ts: 5 });
    reg.close();
    expect(push).toBeNull();
  });
});
