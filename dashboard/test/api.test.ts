// The data routes against a real analysis: a 6 s cut of vtest.mp4 (people walking) analysed at
// 5 fps with YOLOX-Nano on CPU into chDB, then read back through every endpoint.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DetectionView, SegmentView, SourceView, TimelineView, TrackView } from '../src/protocol.ts';
import { buildServer } from '../src/server/index.ts';
import { VTEST, bearer, cutClip, openServerEnv, type ServerEnv } from './server-helpers.ts';

let env: ServerEnv;
let clip: string;
let source: SourceView;
let detections: DetectionView[];

async function get<T>(url: string, schema: z.ZodType<T>): Promise<T> {
  const res = await env.app.inject({ url, headers: bearer() });
  expect(res.statusCode, `${url}: ${res.body.slice(0, 200)}`).toBe(200);
  return schema.parse(res.json());
}

beforeAll(async () => {
  env = await openServerEnv();
  clip = await cutClip(VTEST, env.dir, 'vtest-6s.mp4', 6);
  const res = await env.app.inject({
    method: 'POST',
    url: '/api/v1/sources',
    headers: bearer(),
    payload: { input: clip, fps: 5, id: 'vtest-6s' },
  });
  expect(res.statusCode, res.body).toBe(201);
  expect(SourceView.parse(res.json()).id).toBe('vtest-6s');
  await env.manager.settled('vtest-6s');
  source = await get('/api/v1/sources/vtest-6s', SourceView);
  detections = await get('/api/v1/sources/vtest-6s/detections?limit=100000', z.array(DetectionView));
});
afterAll(async () => {
  await env?.close();
});

describe('sources', () => {
  it('lists and shows the analysed source', async () => {
    expect(source).toMatchObject({ id: 'vtest-6s', kind: 'file', status: 'done', live: false, fps: 5 });
    expect(source.stats.framesAnalysed).toBe(30);
    const list = await get('/api/v1/sources', z.array(SourceView));
    expect(list.map((s) => s.id)).toContain('vtest-6s');
  });

  it('refuses a second source with the same id (409 SOURCE_EXISTS)', async () => {
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      headers: bearer(),
      payload: { input: clip, id: 'vtest-6s' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('SOURCE_EXISTS');
  });

  it('stops a running source and deletes it', async () => {
    const add = await env.app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      headers: bearer(),
      payload: { input: VTEST, fps: 1, realtime: true, id: 'long' },
    });
    expect(add.statusCode).toBe(201);
    const stop = await env.app.inject({
      method: 'POST',
      url: '/api/v1/sources/long/stop',
      headers: bearer(),
    });
    expect(stop.statusCode).toBe(200);
    expect(SourceView.parse(stop.json()).status).toBe('stopped');
    const del = await env.app.inject({ method: 'DELETE', url: '/api/v1/sources/long', headers: bearer() });
    expect(del.statusCode).toBe(204);
    expect((await env.app.inject({ url: '/api/v1/sources/long', headers: bearer() })).statusCode).toBe(404);
  });

  it('never returns the credentials of a stream URL', async () => {
    const add = await env.app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      headers: bearer(),
      payload: { input: 'rtsp://user:secret@127.0.0.1:9/x', id: 'cam' },
    });
    expect(add.statusCode).toBe(201);
    // A live source never gives up: wait until it has failed to connect and is reconnecting.
    for (let i = 0; i < 200; i++) {
      const v = await env.manager.get('cam');
      if (v?.connection === 'reconnecting' && v.errorCode !== '') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const bodies = [add.body];
    for (const url of [
      '/api/v1/sources',
      '/api/v1/sources/cam',
      '/api/v1/sources/cam/export?what=tracks&format=json',
    ]) {
      bodies.push((await env.app.inject({ url, headers: bearer() })).body);
    }
    const view = SourceView.parse(JSON.parse(bodies[2]!));
    expect(view.status).toBe('running');
    // Backoff cycles reconnecting → connecting → reconnecting; the last error stays shown in both.
    expect(['reconnecting', 'connecting']).toContain(view.connection);
    expect(view.errorCode).toBe('INGEST_UNREACHABLE');
    expect(view.display).toContain('***');
    const stopped = await env.app.inject({
      method: 'POST',
      url: '/api/v1/sources/cam/stop',
      headers: bearer(),
    });
    bodies.push(stopped.body);
    expect(SourceView.parse(JSON.parse(stopped.body)).status).toBe('stopped');
    for (const body of bodies) {
      expect(body).not.toContain('secret');
      expect(body).not.toContain('user:');
    }
  });
});

describe('history', () => {
  it('returns detections inside the source size, and only those in [from, to)', async () => {
    expect(detections.length).toBeGreaterThan(20);
    expect(detections.some((d) => d.label === 'person')).toBe(true);
    for (const d of detections) {
      expect(d.box[0]).toBeGreaterThanOrEqual(0);
      expect(d.box[2]).toBeLessThanOrEqual(480);
      expect(d.box[3]).toBeLessThanOrEqual(360);
    }
    const from = detections[Math.floor(detections.length / 3)]!.ts;
    const to = from + 1500;
    const part = await get(
      `/api/v1/sources/vtest-6s/detections?from=${from}&to=${to}`,
      z.array(DetectionView),
    );
    expect(part.length).toBe(detections.filter((d) => d.ts >= from && d.ts < to).length);
    expect(part.every((d) => d.ts >= from && d.ts < to)).toBe(true);
    const limited = await get(
      '/api/v1/sources/vtest-6s/detections?limit=3&class=person',
      z.array(DetectionView),
    );
    expect(limited).toHaveLength(3);
    expect(limited.every((d) => d.label === 'person')).toBe(true);
  });

  it('returns tracks and segments of people', async () => {
    const tracks = await get('/api/v1/sources/vtest-6s/tracks?class=person', z.array(TrackView));
    expect(tracks.length).toBeGreaterThan(0);
    expect(tracks.every((t) => t.label === 'person' && t.sourceId === 'vtest-6s')).toBe(true);
    const segments = await get('/api/v1/segments?source=vtest-6s&class=person', z.array(SegmentView));
    expect(segments.length).toBeGreaterThan(0);
    expect(segments[0]!.endTs).toBeGreaterThan(segments[0]!.startTs);
    const all = await get('/api/v1/segments', z.array(SegmentView));
    expect(all.length).toBeGreaterThanOrEqual(segments.length);
    const merged = await get('/api/v1/segments?source=vtest-6s&class=person&gap=60000', z.array(SegmentView));
    expect(merged.length).toBeLessThanOrEqual(segments.length);
  });

  it('returns a per-second timeline on one shared axis', async () => {
    const tl = await get('/api/v1/sources/vtest-6s/timeline?classes=person', TimelineView);
    expect(Object.keys(tl.series)).toEqual(['person']);
    const person = tl.series['person']!;
    expect(tl.t.length).toBeGreaterThanOrEqual(5);
    expect(person.detections).toHaveLength(tl.t.length);
    expect(person.tracks).toHaveLength(tl.t.length);
    for (let i = 1; i < tl.t.length; i++) expect(tl.t[i]! - tl.t[i - 1]!).toBe(1);
    const total = person.detections.reduce((a, b) => a + b, 0);
    expect(total).toBe(detections.filter((d) => d.label === 'person').length);
    const all = await get('/api/v1/sources/vtest-6s/timeline', TimelineView);
    for (const s of Object.values(all.series)) expect(s.detections).toHaveLength(all.t.length);
  });

  it('returns the frame at a time as JPEG', async () => {
    const ts = detections[0]!.ts;
    const res = await env.app.inject({ url: `/api/v1/sources/vtest-6s/frame?ts=${ts}`, headers: bearer() });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect([...res.rawPayload.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    const before = await env.app.inject({ url: `/api/v1/sources/vtest-6s/frame?ts=1`, headers: bearer() });
    expect(before.statusCode).toBe(404);
    expect(before.json().code).toBe('FRAME_UNAVAILABLE');
  });
});

describe('export', () => {
  it('downloads detections as RFC 4180 CSV', async () => {
    const res = await env.app.inject({
      url: '/api/v1/sources/vtest-6s/export?what=detections',
      headers: bearer(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="vtest-6s-detections.csv"');
    const lines = res.body.split('\r\n');
    expect(lines[0]).toBe('ts,frameSeq,label,score,x1,y1,x2,y2,trackId');
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(detections.length + 2);
    expect(lines[1]!.split(',')).toHaveLength(9);
  });

  it('downloads tracks and segments as CSV and JSON', async () => {
    const tracksCsv = await env.app.inject({
      url: '/api/v1/sources/vtest-6s/export?what=tracks&format=csv',
      headers: bearer(),
    });
    expect(tracksCsv.body.split('\r\n')[0]).toMatch(/^sourceId,trackId,label,startTs,endTs/);
    const segJson = await env.app.inject({
      url: '/api/v1/sources/vtest-6s/export?what=segments&format=json&class=person',
      headers: bearer(),
    });
    expect(segJson.headers['content-disposition']).toBe('attachment; filename="vtest-6s-segments.json"');
    expect(z.array(SegmentView).parse(segJson.json()).length).toBeGreaterThan(0);
    const detJson = await env.app.inject({
      url: '/api/v1/sources/vtest-6s/export?what=detections&format=json',
      headers: bearer(),
    });
    expect(z.array(DetectionView).parse(detJson.json())).toEqual(detections);
  });
});

describe('uploads', () => {
  it('saves a PUT body under dataDir/uploads and analyses it', async () => {
    const small = await cutClip(VTEST, env.dir, 'two seconds.mp4', 2);
    const res = await env.app.inject({
      method: 'PUT',
      url: `/api/v1/uploads/${encodeURIComponent('two seconds.mp4')}?fps=2&id=up1`,
      headers: { ...bearer(), 'content-type': 'application/octet-stream' },
      payload: await readFile(small),
    });
    expect(res.statusCode, res.body).toBe(201);
    const view = SourceView.parse(res.json());
    expect(view.id).toBe('up1');
    expect(view.display).toMatch(/uploads\/[0-9a-f]{12}-two_seconds\.mp4$/);
    const done = await env.manager.settled('up1');
    expect(done?.status).toBe('done');
    expect(done?.stats.framesAnalysed).toBe(4);
  });

  it('refuses an upload over the limit with 413 and leaves no file behind', async () => {
    const app = await buildServer({ ...env.deps, uploadLimitBytes: 64 * 1024 });
    try {
      const before = await readdir(path.join(env.dataDir, 'uploads'));
      const res = await app.inject({
        method: 'PUT',
        url: '/api/v1/uploads/big.mp4',
        headers: { ...bearer(), 'content-type': 'application/octet-stream' },
        payload: await readFile(clip),
      });
      expect(res.statusCode).toBe(413);
      expect(res.json().code).toBe('UPLOAD_TOO_LARGE');
      expect(await readdir(path.join(env.dataDir, 'uploads'))).toEqual(before);
      const empty = await app.inject({
        method: 'PUT',
        url: '/api/v1/uploads/empty.mp4',
        headers: { ...bearer(), 'content-type': 'application/octet-stream' },
        payload: Buffer.alloc(0),
      });
      expect(empty.statusCode).toBe(400);
      expect(await readdir(path.join(env.dataDir, 'uploads'))).toEqual(before);
    } finally {
      await app.close();
    }
  });
});

describe('metrics', () => {
  it('exposes analysis counters and timings after analysis', async () => {
    const res = await env.app.inject({ url: '/metrics', headers: bearer() });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('aima_frames_analysed_total');
    expect(res.body).toContain('aima_sources_running 0');
    const inferCount = /^aima_inference_ms_count (\d+)$/m.exec(res.body);
    expect(Number(inferCount?.[1])).toBeGreaterThanOrEqual(30);
    expect(Number(/^aima_store_write_ms_count (\d+)$/m.exec(res.body)?.[1])).toBeGreaterThan(0);
  });
});
