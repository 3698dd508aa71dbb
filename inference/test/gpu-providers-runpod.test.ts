// The RunPod client against the local RunPod v2 emulator: real HTTP on 127.0.0.1, real boot
// processes, the emulator's clock for billing, its request log for retry timing.
import { afterEach, describe, expect, it } from 'vitest';
import { startRunpodEmulator } from '../../test-support/gpu/index.ts';
import type { RunpodEmulator, RunpodEmulatorOptions } from '../../test-support/gpu/index.ts';
import { createRunpodProvider } from '../index.ts';
import type { GpuProvider } from '../index.ts';
import { pidAlive, rejection, trivialBoxes, waitRaw, waitState } from './gpu-providers-helpers.ts';

const open: RunpodEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

async function setup(
  opts: RunpodEmulatorOptions = {},
  client: { apiKey?: string; maxRetries?: number; fetch?: typeof fetch } = {},
): Promise<{ emu: RunpodEmulator; rp: GpuProvider }> {
  const emu = await startRunpodEmulator({ bootDelayMs: 60, portDelayMs: 20, ...opts });
  open.push(emu);
  const rp = createRunpodProvider({
    apiKey: client.apiKey ?? emu.apiKey,
    baseUrl: emu.url,
    backoffMs: 10,
    ...(client.maxRetries !== undefined ? { maxRetries: client.maxRetries } : {}),
    ...(client.fetch ? { fetch: client.fetch } : {}),
  });
  return { emu, rp };
}

const req = (label: string, offerId = 'NVIDIA GeForce RTX 4090') => ({
  label,
  offerId,
  image: 'ghcr.io/example/aima-worker:test',
  env: { AIMA_INSTALLATION_ID: 'inst-1', AIMA_JOB_ID: label },
});

describe('runpod provider on the emulator', () => {
  it('lists offers with per-GPU prices, cheapest first, filterable by type', async () => {
    const { rp } = await setup();
    const offers = await rp.offers();
    expect(offers.map((o) => o.pricePerHour)).toEqual([0.39, 0.44, 0.69, 2.99]);
    const [o4090] = await rp.offers({ gpuType: 'rtx_4090' });
    expect(o4090).toMatchObject({
      provider: 'runpod',
      id: 'NVIDIA GeForce RTX 4090',
      gpuType: 'RTX 4090',
      memoryGb: 24,
    });
    expect(offers.find((o) => o.gpuType === 'H100 SXM')?.availability).toBe('NONE');
  });

  it('creates, boots a real process, lists, terminates (killed), and a second terminate is fine', async () => {
    const boxes = trivialBoxes();
    const { emu, rp } = await setup({ onBoot: boxes.hook });
    const created = await rp.create(req('aima-i1-job1'));
    expect(created).toMatchObject({
      state: 'pending',
      rawStatus: 'PROVISIONING',
      startedAt: null,
      pricePerHour: 0.44,
    });
    const { inst, seen } = await waitState(rp, created.id, 'running');
    expect(seen[seen.length - 1]).toBe('RUNNING');
    expect(inst.env.AIMA_INSTALLATION_ID).toBe('inst-1');
    expect(inst.startedAt).not.toBeNull();
    const child = boxes.children[0]!;
    expect(child.instanceId).toBe(created.id);
    expect(pidAlive(child.pid)).toBe(true);
    expect((await rp.list()).map((i) => i.label)).toEqual(['aima-i1-job1']);

    await rp.terminate(created.id);
    expect(child.running).toBe(false);
    expect(pidAlive(child.pid)).toBe(false);
    await rp.terminate(created.id); // 404 = already gone
    expect(await rp.get(created.id)).toBeNull();
    expect(await rp.list()).toEqual([]);
    expect(emu.liveInstances()).toEqual([]);
    expect(emu.requests.filter((r) => r.method === 'DELETE').map((r) => r.status)).toEqual([204, 404]);
  });

  it('keeps runtime ports null until the pod runs and its ports are mapped', async () => {
    const raw = async (emu: RunpodEmulator, id: string) =>
      (await (
        await fetch(`${emu.url}/pods/${id}`, { headers: { authorization: `Bearer ${emu.apiKey}` } })
      ).json()) as {
        runtime: { ports?: { public: number | null }[] } | null;
      };
    // Boot and port mapping held for a minute, released by bootNow: no race with a loaded machine.
    const slow = await setup({ bootDelayMs: 60_000, portDelayMs: 60_000 });
    const a = await slow.rp.create(req('aima-i1-ports'));
    expect((await raw(slow.emu, a.id)).runtime).toEqual({});
    slow.emu.bootNow(a.id);
    await waitState(slow.rp, a.id, 'running');
    expect((await raw(slow.emu, a.id)).runtime?.ports?.[0]).toMatchObject({ public: null, ip: null });
    const fast = await setup({ portDelayMs: 0 });
    const b = await fast.rp.create(req('aima-i1-ports2'));
    await waitState(fast.rp, b.id, 'running');
    for (let i = 0; i < 500 && (await raw(fast.emu, b.id)).runtime?.ports?.[0]?.public == null; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await raw(fast.emu, b.id)).runtime?.ports?.[0]?.public).toEqual(expect.any(Number));
  });

  it('bills per second from startedAt to terminate: billing() and the emulator agree with rate × seconds', async () => {
    let now = Date.UTC(2026, 0, 1);
    const { emu, rp } = await setup({ now: () => now });
    const { id } = await rp.create(req('aima-i1-bill'));
    now += 30_000; // still provisioning in real time: no charge before RUNNING
    await waitState(rp, id, 'running');
    expect(await rp.billing!(id)).toBe(0);
    now += 90_000;
    expect(await rp.billing!(id)).toBeCloseTo((0.44 * 90) / 3600, 12);
    await rp.terminate(id);
    now += 600_000; // terminated pods bill nothing more
    expect(await rp.billing!(id)).toBeCloseTo((0.44 * 90) / 3600, 12);
    expect(emu.billedUsd(id)).toBeCloseTo((0.44 * 90) / 3600, 12);
    expect(emu.totalBilledUsd()).toBeCloseTo((0.44 * 90) / 3600, 12);
  });

  it('honours Retry-After on 429 (the retry waits ≥ 1 s by the emulator log)', async () => {
    const { emu, rp } = await setup();
    emu.injectFault({ fault: { kind: 'rate-limit', retryAfterS: 1 }, method: 'GET', path: /^\/v2\/pods$/ });
    expect(await rp.list()).toEqual([]);
    const log = emu.requests.filter((r) => r.url === '/v2/pods');
    expect(log.map((r) => r.status)).toEqual([429, 200]);
    expect(log[1]!.at - log[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it('retries 5xx then succeeds; after 3 retries gives a coded error; never retries 402 or 400', async () => {
    const { emu, rp } = await setup();
    emu.injectFault({ fault: { kind: 'server-error', status: 502 }, times: 2 });
    expect(await rp.offers()).toHaveLength(4);
    emu.injectFault({ fault: { kind: 'server-error' }, method: 'GET', times: 4 });
    const e = await rejection(rp.list());
    expect(e.code).toBe('GPU_PROVIDER_ERROR');
    expect(emu.requests.filter((r) => r.url === '/v2/pods').length).toBe(4);

    emu.injectFault({ fault: { kind: 'insufficient-funds' } });
    expect((await rejection(rp.create(req('aima-i1-402')))).code).toBe('GPU_INSUFFICIENT_FUNDS');
    expect((await rejection(rp.create(req('aima-i1-h100', 'NVIDIA H100 80GB HBM3')))).code).toBe(
      'GPU_NO_CAPACITY',
    );
    expect(emu.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([402, 400]);
    expect(emu.liveInstances()).toEqual([]);
  });

  it('answers 422 with errors[] for an unknown field (strict body)', async () => {
    const addBogus: typeof fetch = (input, init) =>
      fetch(input, {
        ...init,
        body: init?.body ? JSON.stringify({ ...JSON.parse(String(init.body)), bogus: 1 }) : null,
      });
    const { emu, rp } = await setup({}, { fetch: addBogus });
    const e = await rejection(rp.create(req('aima-i1-422')));
    expect(e.code).toBe('GPU_PROVIDER_BAD_REQUEST');
    expect(e.message).toContain("additional properties 'bogus' not allowed");
    expect(emu.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([422]);
  });

  it('retries a dropped connection, and adopts the pod when the answer to a create was lost', async () => {
    const { emu, rp } = await setup();
    emu.injectFault({ fault: { kind: 'drop' }, method: 'GET' });
    expect(await rp.list()).toEqual([]);
    emu.injectFault({ fault: { kind: 'drop-after' }, method: 'POST' });
    const inst = await rp.create(req('aima-i1-lost'));
    expect(emu.liveInstances().map((i) => i.id)).toEqual([inst.id]); // one pod, not two
    expect(emu.requests.filter((r) => r.method === 'POST').length).toBe(1);
    // An abort ends the wait for a long Retry-After at once.
    emu.injectFault({ fault: { kind: 'rate-limit', retryAfterS: 20 }, method: 'GET' });
    expect((await rejection(rp.list(AbortSignal.timeout(100)))).code).toBe('GPU_ABORTED');
  });

  it('refuses above the price cap before creating, and terminates a pod that came up dearer', async () => {
    const { emu, rp } = await setup();
    const e = await rejection(rp.create({ ...req('aima-i1-cap'), maxPricePerHour: 0.4 }));
    expect(e.code).toBe('GPU_PRICE_ABOVE_CAP');
    expect(emu.requests.some((r) => r.method === 'POST')).toBe(false);
    // The catalog says 0.44, the pod reports more (prices moved between the two calls).
    const lying = await setup({
      catalog: [{ id: 'G', name: 'G', memory: 8, secure: 0.5, community: 0.3, availability: 'HIGH' }],
    });
    const cheapFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).includes('/catalog/')) return res;
      const body = JSON.stringify(await res.json()).replace('"secure":0.5', '"secure":0.2');
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const rp2 = createRunpodProvider({
      apiKey: lying.emu.apiKey,
      baseUrl: lying.emu.url,
      fetch: cheapFetch,
      backoffMs: 10,
    });
    const e2 = await rejection(rp2.create({ ...req('aima-i1-cap2', 'G'), maxPricePerHour: 0.3 }));
    expect(e2.code).toBe('GPU_PRICE_ABOVE_CAP');
    expect(lying.emu.liveInstances()).toEqual([]);
    expect(lying.emu.instances()).toHaveLength(1);
  });

  it('reports a pod that dies mid-job as failed (process killed) and one that never boots as pending', async () => {
    const boxes = trivialBoxes();
    const { emu, rp } = await setup({ onBoot: boxes.hook });
    const a = await rp.create(req('aima-i1-die'));
    await waitState(rp, a.id, 'running');
    await emu.killInstance(a.id);
    expect((await rp.get(a.id))?.state).toBe('failed');
    expect(pidAlive(boxes.children[0]!.pid)).toBe(false);
    emu.setInstanceFaults({ neverRunning: true });
    const b = await rp.create(req('aima-i1-never'));
    expect((await waitRaw(rp, b.id, 'STARTING')).inst.state).toBe('pending');
    await new Promise((r) => setTimeout(r, 200));
    expect((await rp.get(b.id))?.rawStatus).toBe('STARTING');
    await rp.terminate(a.id);
    await rp.terminate(b.id);
    expect(emu.liveInstances()).toEqual([]);
  });

  it('never puts the API key in an error (auth, exhausted retries, unreachable)', async () => {
    const secret = 'rp_SECRET_abcdef123456';
    const { emu, rp } = await setup({ forbiddenKeys: [secret] }, { apiKey: secret });
    const auth = await rejection(rp.offers());
    expect(auth.code).toBe('GPU_PROVIDER_AUTH');
    const bad = createRunpodProvider({ apiKey: 'nope_' + secret, baseUrl: emu.url });
    const e401 = await rejection(bad.list());
    expect(e401.code).toBe('GPU_PROVIDER_AUTH');
    const closed = createRunpodProvider({
      apiKey: secret,
      baseUrl: 'http://127.0.0.1:9/v2',
      backoffMs: 1,
      maxRetries: 1,
    });
    const unreachable = await rejection(closed.list());
    expect(unreachable.code).toBe('GPU_PROVIDER_UNREACHABLE');
    for (const err of [auth, e401, unreachable]) {
      const dump = `${err.message} ${JSON.stringify(err)} ${String(err.stack)}`;
      expect(dump).not.toContain(secret);
    }
  });
});
