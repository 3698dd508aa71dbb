// Analyzers through the HTTP API: the list, and the choice per source on POST /api/v1/sources.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '../src/protocol.ts';
import { bearer, openServerEnv, type ServerEnv } from './server-helpers.ts';

const MEDIA = process.env.AIMA_MEDIA_DIR ?? path.resolve('../shared/media');
let env: ServerEnv;

beforeAll(async () => {
  env = await openServerEnv();
});
afterAll(async () => {
  await env?.close();
});

describe('analyzers over the API', () => {
  it('lists the analyzers with what they consume and produce', async () => {
    const res = await env.app.inject({ url: '/api/v1/analyzers', headers: bearer() });
    expect(res.statusCode).toBe(200);
    const list = res.json() as Array<{ id: string; consumes: string[]; produces: Array<{ table: string }> }>;
    const asr = list.find((a) => a.id === 'asr')!;
    expect(asr.consumes).toEqual(['audio', 'results:vad']);
    expect(asr.produces.map((p) => p.table)).toEqual(['transcript_segments']);
    const doc = (await env.app.inject({ url: '/api/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toContain('/api/v1/analyzers');
    expect((await env.app.inject({ url: '/api/v1/analyzers' })).statusCode).toBe(401);
  });

  it('runs the analyzers a source asks for; an unknown one is a 400 naming it', async () => {
    const bad = await env.app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      headers: bearer(),
      payload: { input: path.join(MEDIA, 'speech/goforward.wav'), analyzers: ['vad', 'sonar'] },
    });
    expect(bad.statusCode).toBe(400);
    expect(ErrorBody.parse(bad.json())).toMatchObject({ code: 'INFER_UNKNOWN_ANALYZER' });
    expect(bad.json().message).toContain('sonar');

    const ok = await env.app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      headers: bearer(),
      payload: { input: path.join(MEDIA, 'speech/goforward.wav'), analyzers: ['asr'], id: 'go' },
    });
    expect(ok.statusCode, ok.body).toBe(201);
    await env.manager.settled('go');
    const row = await env.runtime.store.getSource('go');
    expect(row?.status).toBe('done');
    expect(JSON.parse(row!.meta).analyzers).toEqual(['vad', 'asr']);
    const t = await env.app.inject({ url: '/api/v1/sources/go/transcript', headers: bearer() });
    expect(t.statusCode).toBe(200);
    expect(JSON.stringify(t.json())).toContain('forward');
    // Nothing else ran: no sound events, no loudness.
    expect(await env.runtime.store.listAudioEvents({ sourceId: 'go' })).toEqual([]);
    expect(await env.runtime.store.listLoudness({ sourceId: 'go' })).toEqual([]);
  });
});
