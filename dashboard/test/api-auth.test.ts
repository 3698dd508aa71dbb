// The HTTP surface around the data: auth (token, cookie), the error boundary, OpenAPI, docs,
// metrics auth, health and the SPA, against a real runtime and manager.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '../src/protocol.ts';
import { buildServer, sessionValue } from '../src/server/index.ts';
import { TOKEN, bearer, openServerEnv, type ServerEnv } from './server-helpers.ts';

let env: ServerEnv;

beforeAll(async () => {
  env = await openServerEnv();
});
afterAll(async () => {
  await env?.close();
});

/** The `aima_session=...` pair of a Set-Cookie header. */
function cookiePair(setCookie: string | string[] | undefined): string {
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  return (first ?? '').split(';')[0]!;
}

describe('auth', () => {
  it('refuses /api/v1 without credentials (AUTH_REQUIRED) and with wrong ones (AUTH_INVALID)', async () => {
    const none = await env.app.inject({ url: '/api/v1/sources' });
    expect(none.statusCode).toBe(401);
    expect(ErrorBody.parse(none.json()).code).toBe('AUTH_REQUIRED');

    const wrong = await env.app.inject({ url: '/api/v1/sources', headers: bearer('nope') });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe('AUTH_INVALID');

    const basic = await env.app.inject({
      url: '/api/v1/sources',
      headers: { authorization: `Basic ${TOKEN}` },
    });
    expect(basic.json().code).toBe('AUTH_INVALID');

    const badCookie = await env.app.inject({
      url: '/api/v1/sources',
      cookies: { aima_session: 'f'.repeat(64) },
    });
    expect(badCookie.statusCode).toBe(401);
    expect(badCookie.json().code).toBe('AUTH_INVALID');

    // Unknown routes under /api/v1 ask for credentials before saying anything about what exists.
    expect((await env.app.inject({ url: '/api/v1/nope' })).statusCode).toBe(401);
  });

  it('accepts the Bearer token', async () => {
    const res = await env.app.inject({ url: '/api/v1/sources', headers: bearer() });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([]);
  });

  it('logs in with the token: an HttpOnly SameSite=Strict cookie that works until logout', async () => {
    const bad = await env.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { token: 'x' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().code).toBe('AUTH_INVALID');
    expect(bad.headers['set-cookie']).toBeUndefined();

    const ok = await env.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { token: TOKEN } });
    expect(ok.statusCode).toBe(204);
    const setCookie = String(ok.headers['set-cookie']);
    expect(setCookie).toMatch(/^aima_session=[0-9a-f]{64};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toContain(TOKEN);
    expect(cookiePair(ok.headers['set-cookie'])).toBe(`aima_session=${sessionValue(TOKEN)}`);

    const cookie = cookiePair(ok.headers['set-cookie']);
    const session = await env.app.inject({ url: '/api/v1/auth/session', headers: { cookie } });
    expect(session.statusCode).toBe(200);
    expect(session.json()).toEqual({ authenticated: true });
    expect((await env.app.inject({ url: '/api/v1/sources', headers: { cookie } })).statusCode).toBe(200);
    // Prometheus scrapes with the token; the browser cookie is not enough for /metrics.
    expect((await env.app.inject({ url: '/metrics', headers: { cookie } })).statusCode).toBe(401);

    const out = await env.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/aima_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/);
    expect((await env.app.inject({ url: '/api/v1/auth/session' })).statusCode).toBe(401);
  });

  it('invalidates cookies when the token changes (the cookie is derived from it)', async () => {
    const other = await buildServer({ ...env.deps, token: 'another-token' });
    try {
      const cookie = `aima_session=${sessionValue(TOKEN)}`;
      const res = await other.inject({ url: '/api/v1/sources', headers: { cookie } });
      expect(res.statusCode).toBe(401);
    } finally {
      await other.close();
    }
  });
});

describe('errors', () => {
  it('answers unknown /api routes with a JSON API_NOT_FOUND', async () => {
    for (const url of ['/api/v1/nope', '/api/nothing', '/api/v1/sources/x/nope']) {
      const res = await env.app.inject({ url, headers: bearer() });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(ErrorBody.parse(res.json()).code).toBe('API_NOT_FOUND');
    }
    const post = await env.app.inject({
      method: 'POST',
      url: '/api/v1/nope',
      headers: bearer(),
      payload: {},
    });
    expect(post.json().code).toBe('API_NOT_FOUND');
  });

  it('answers 404 SOURCE_NOT_FOUND on every /sources/:id route for an unknown id', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/api/v1/sources/ghost'],
      ['POST', '/api/v1/sources/ghost/stop'],
      ['DELETE', '/api/v1/sources/ghost'],
      ['GET', '/api/v1/sources/ghost/detections'],
      ['GET', '/api/v1/sources/ghost/tracks'],
      ['GET', '/api/v1/sources/ghost/timeline'],
      ['GET', '/api/v1/sources/ghost/frame?ts=0'],
      ['GET', '/api/v1/sources/ghost/export?what=detections'],
      ['GET', '/api/v1/segments?source=ghost'],
    ];
    for (const [method, url] of routes) {
      const res = await env.app.inject({ method: method as 'GET', url, headers: bearer() });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().code, `${method} ${url}`).toBe('SOURCE_NOT_FOUND');
    }
  });

  it('refuses bad bodies and queries with 400 API_BAD_REQUEST naming the field', async () => {
    const post = (payload: unknown) =>
      env.app.inject({
        method: 'POST',
        url: '/api/v1/sources',
        headers: bearer(),
        payload: payload as object,
      });
    const cases: Array<[unknown, RegExp]> = [
      [{ input: '/x.mp4', fps: -1 }, /body\.fps/],
      [{ input: '/x.mp4', extra: 1 }, /extra/],
      [{ fps: 5 }, /body\.input/],
      [{ input: '/x.mp4', id: 'no spaces allowed' }, /body\.id/],
    ];
    for (const [payload, message] of cases) {
      const res = await post(payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('API_BAD_REQUEST');
      expect(res.json().message).toMatch(message);
    }
    const notJson = await env.app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      headers: { ...bearer(), 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().code).toBe('API_BAD_REQUEST');

    const queries = [
      '/api/v1/sources/x/export?what=everything',
      '/api/v1/sources/x/detections?limit=-3',
      '/api/v1/sources/x/detections?from=yesterday',
      '/api/v1/sources/x/detections?class=unicorn',
      '/api/v1/sources/x/timeline?classes=person,unicorn',
      '/api/v1/sources/x/frame',
      '/api/v1/segments?bogus=1',
    ];
    for (const url of queries) {
      const res = await env.app.inject({ url, headers: bearer() });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().code, url).toBe('API_BAD_REQUEST');
    }
    const unknownClass = await env.app.inject({ url: '/api/v1/segments?class=unicorn', headers: bearer() });
    expect(unknownClass.json().message).toMatch(/unknown class "unicorn"/);
  });

  it('passes coded errors of the manager through with their status', async () => {
    const missing = await env.app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      headers: bearer(),
      payload: { input: path.join(env.dir, 'missing.mp4') },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('INGEST_FILE_NOT_FOUND');
    const ftp = await env.app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      headers: bearer(),
      payload: { input: 'ftp://example.com/x.mp4' },
    });
    expect(ftp.statusCode).toBe(400);
    expect(ftp.json().code).toBe('INGEST_UNSUPPORTED_URL');
  });

  it('refuses raw bodies outside the upload route (415) and uploads without credentials (401)', async () => {
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      headers: { ...bearer(), 'content-type': 'application/octet-stream' },
      payload: Buffer.from('abc'),
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('API_BAD_REQUEST');
    const anon = await env.app.inject({
      method: 'PUT',
      url: '/api/v1/uploads/a.mp4',
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(10),
    });
    expect(anon.statusCode).toBe(401);
  });
});

describe('public endpoints', () => {
  it('serves /healthz without auth', async () => {
    const res = await env.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('serves an OpenAPI 3.1 document built from the Zod schemas', async () => {
    const res = await env.app.inject({ url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    const add = doc.paths['/api/v1/sources'].post;
    expect(add.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/AddSourceBody',
    });
    expect(doc.components.schemas.AddSourceBody.properties.fps).toMatchObject({ type: 'number', default: 5 });
    expect(doc.components.schemas.AddSourceBody.additionalProperties).toBe(false);
    expect(add.responses['201'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/SourceView',
    );
    expect(add.responses['400'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/ErrorBody',
    );
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.session).toMatchObject({ in: 'cookie', name: 'aima_session' });
    const det = doc.paths['/api/v1/sources/{id}/detections'].get;
    expect(det.parameters.map((p: { name: string }) => p.name)).toEqual([
      'id',
      'from',
      'to',
      'class',
      'limit',
    ]);
    // Box is a tuple: 2020-12 prefixItems, not draft-07 items arrays.
    expect(doc.components.schemas.DetectionView.properties.box.prefixItems).toHaveLength(4);
    expect(doc.paths['/api/v1/uploads/{filename}'].put.requestBody.content).toHaveProperty(
      'application/octet-stream',
    );
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    expect(JSON.stringify(doc)).not.toContain(TOKEN);
  });

  it('serves the interactive docs at /api/docs', async () => {
    const res = await env.app.inject({ url: '/api/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/swagger/i);
  });

  it('needs the Bearer token for /metrics', async () => {
    expect((await env.app.inject({ url: '/metrics' })).statusCode).toBe(401);
    const res = await env.app.inject({ url: '/metrics', headers: bearer() });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('process_cpu_user_seconds_total');
    expect(res.body).toContain('aima_ws_clients 0');
  });
});

describe('single-page app', () => {
  it('says the UI is not built when there is none', async () => {
    const res = await env.app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('npm run build:ui');
  });

  it('serves the built UI with index.html for client-side routes, never for /api', async () => {
    const uiDir = path.join(env.dir, 'ui');
    await mkdir(path.join(uiDir, 'assets'), { recursive: true });
    await writeFile(path.join(uiDir, 'index.html'), '<!doctype html><title>AIMA</title>');
    await writeFile(path.join(uiDir, 'assets', 'app-1234.js'), 'console.log(1)');
    const app = await buildServer({ ...env.deps, uiDir });
    try {
      const root = await app.inject({ url: '/' });
      expect(root.statusCode).toBe(200);
      expect(root.body).toContain('<title>AIMA</title>');
      const deep = await app.inject({ url: '/sources/abc?tab=live' });
      expect(deep.statusCode).toBe(200);
      expect(deep.body).toContain('<title>AIMA</title>');
      const asset = await app.inject({ url: '/assets/app-1234.js' });
      expect(asset.statusCode).toBe(200);
      expect(asset.headers['cache-control']).toMatch(/immutable/);
      const api = await app.inject({ url: '/api/v1/nope', headers: bearer() });
      expect(api.statusCode).toBe(404);
      expect(api.json().code).toBe('API_NOT_FOUND');
      expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    } finally {
      await app.close();
    }
  });
});
