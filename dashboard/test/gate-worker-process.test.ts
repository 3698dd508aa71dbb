// The gate on a real `aima worker` process: a source analysed there with nsfw, its first frames
// holding faces under 24 px (which cannot be aged: 'unknown'), is quarantined by the worker's own
// analyzer host; the rows reach the control plane through the store proxy, whose registry closes
// the pixel routes at once. Real SSR-Net, YuNet, YOLOX, nsfwjs, chDB and ffmpeg.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, cutClip } from './server-helpers.ts';
import { spawnWorker, startControlPlane, type ControlPlane, type WorkerProcess } from './workers-helpers.ts';

const HAMILTON = path.join(process.env.AIMA_MEDIA_DIR ?? '', 'video/short_hamilton_clip.mp4');

describe('the gate on a worker process', () => {
  let cp: ControlPlane;
  let worker: WorkerProcess;
  let clip: string;
  beforeAll(async () => {
    cp = await startControlPlane({ local: true, faces: true });
    clip = await cutClip(HAMILTON, cp.dir, 'small-faces.mp4', 2);
    const { token } = await cp.hub.createJoinToken();
    worker = spawnWorker(cp.url, token, 'gate', { AIMA_FACES: 'on' });
    await worker.joined;
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await cp?.close();
  });

  it('quarantines through the store proxy: row, audit, live view, pixel routes closed', async () => {
    await cp.manager.add({
      input: clip,
      fps: 2,
      realtime: false,
      id: 'remote-gate',
      analyzers: ['nsfw'],
      placement: { kind: 'workers' },
    });
    const v = await cp.manager.settled('remote-gate');
    expect(v?.status, worker.output()).toBe('done');
    const s = cp.runtime.store;
    // Written by the worker through the store proxy (its ledger names the worker and the tables).
    const ledger = await s.listResultBatches({ sourceId: 'remote-gate' });
    const tables = new Set(ledger.map((b) => b.table));
    expect(tables.has('quarantines') && tables.has('audit_events')).toBe(true);
    expect(ledger.every((b) => b.workerId.startsWith('w-'))).toBe(true);
    const q = await s.getQuarantine('remote-gate');
    expect(q, worker.output()).toMatchObject({ code: 'SAFETY_AGE_UNKNOWN', analyzer: 'nsfw' });
    const audit = await s.listAuditEvents({ subjectKind: 'source', subjectId: 'remote-gate' });
    expect(audit).toEqual([expect.objectContaining({ action: 'quarantine', actor: 'system' })]);
    expect(await s.listNsfwScores({ sourceId: 'remote-gate' })).toEqual([]);
    const ages = await s.listAgeEstimates({ sourceId: 'remote-gate' });
    expect(ages.some((a) => a.verdict === 'unknown' && a.age === null)).toBe(true);
    const frame = await cp.app.inject({
      method: 'GET',
      url: `/api/v1/sources/remote-gate/frame?ts=${v!.epochMs + 500}`,
      headers: bearer(),
    });
    expect(frame.statusCode).toBe(403);
    expect(frame.json()).toMatchObject({ code: 'SOURCE_QUARANTINED' });
    const view = (
      await cp.app.inject({ method: 'GET', url: '/api/v1/sources/remote-gate', headers: bearer() })
    ).json();
    expect(view.quarantine).toMatchObject({ code: 'SAFETY_AGE_UNKNOWN' });
  }, 180_000);
});
