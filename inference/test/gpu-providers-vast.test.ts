// The Vast.ai client against the local Vast emulator: offers, asks taken once (410), status
// null → loading → running, v1 list paging, destroy, 429 without Retry-After, per-second billing.
import { afterEach, describe, expect, it } from 'vitest';
import { startVastEmulator } from '../../test-support/gpu/index.ts';
import type { VastEmulator, VastEmulatorOptions } from '../../test-support/gpu/index.ts';
import { createVastProvider } from '../index.ts';
import type { GpuProvider } from '../index.ts';
import { pidAlive, rejection, trivialBoxes, waitRaw, waitState } from './gpu-providers-helpers.ts';

const open: VastEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

async function setup(
  opts: VastEmulatorOptions = {},
  client: { apiKey?: string; backoffMs?: number } = {},
): Promise<{ emu: VastEmulator; vast: GpuProvider }> {
  const emu = await startVastEmulator({ bootDelayMs: 60, portDelayMs: 20, ...opts });
  open.push(emu);
  const vast = createVastProvider({
    apiKey: client.apiKey ?? emu.apiKey,
    baseUrl: emu.url,
    backoffMs: client.backoffMs ?? 10,
  });
  return { emu, vast };
}

const req = (label: string, offerId: string) => ({
  label,
  offerId,
  image: 'ghcr.io/example/aima-worker:test',
  env: { AIMA_INSTALLATION_ID: 'inst-1', AIMA_JOB_ID: label },
  diskGb: 20,
});

describe('vast provider on the emulator', () => {
  it('searches verified rentable offers by dph_total, filterable by GPU name', async () => {
    const { vast } = await setup();
    const offers = await vast.offers();
    expect(offers.map((o) => o.gpuType)).toEqual(['RTX 3090', 'RTX 4090', 'A100 PCIE']); // unverified 4090 left out
    expect(offers.map((o) => o.pricePerHour)).toEqual(
      [...offers.map((o) => o.pricePerHour)].sort((a, b) => a - b),
    );
    const [o] = await vast.offers({ gpuType: 'RTX_4090' });
    expect(o).toMatchObject({ provider: 'vastai', gpuType: 'RTX 4090', memoryGb: 24 });
    expect(o!.pricePerHour).toBeCloseTo(0.4 + (10 * 0.15) / 720, 12);
  });

  it('creates (null → loading → running), boots a real process, destroys it; a taken ask is 410', async () => {
    const boxes = trivialBoxes();
    const { emu, vast } = await setup({ onBoot: boxes.hook });
    const [offer] = await vast.offers({ gpuType: 'RTX 4090' });
    emu.setInstanceFaults({ neverRunning: true }); // held in loading until bootNow
    const created = await vast.create(req('aima-i1-v1', offer!.id));
    expect(created).toMatchObject({ state: 'pending', label: 'aima-i1-v1' });
    expect(['null', 'loading']).toContain(created.rawStatus);
    expect(created.pricePerHour).toBeCloseTo(0.4 + (20 * 0.15) / 720, 12);
    expect((await waitRaw(vast, created.id, 'loading')).inst.state).toBe('pending');
    emu.bootNow(created.id);
    const { inst } = await waitState(vast, created.id, 'running');
    expect(inst.env).toEqual({ AIMA_INSTALLATION_ID: 'inst-1', AIMA_JOB_ID: 'aima-i1-v1' });
    const child = boxes.children[0]!;
    expect(pidAlive(child.pid)).toBe(true);

    const gone = await rejection(vast.create(req('aima-i1-v1b', offer!.id)));
    expect(gone.code).toBe('GPU_OFFER_GONE');

    await vast.terminate(created.id);
    expect(pidAlive(child.pid)).toBe(false);
    await vast.terminate(created.id); // 404 not_found: already gone
    expect(await vast.get(created.id)).toBeNull();
    expect(emu.liveInstances()).toEqual([]);
  });

  it('lists every instance across pages of 25 (next_token until null), trailing slash or not', async () => {
    const { emu, vast } = await setup({ bootDelayMs: 10_000 });
    for (let i = 0; i < 31; i++) {
      const [offer] = await vast.offers({ gpuType: 'RTX 3090' });
      await vast.create(req(`aima-i1-p${i}`, offer!.id));
    }
    const all = await vast.list();
    expect(all).toHaveLength(31);
    expect(new Set(all.map((i) => i.id)).size).toBe(31);
    expect(emu.requests.filter((r) => r.url.startsWith('/api/v1/instances/')).length).toBe(2);
    const bare = await fetch(`${emu.url}/api/v0/instances/${all[0]!.id}?owner=me`, {
      headers: { authorization: `Bearer ${emu.apiKey}` },
    });
    expect(((await bare.json()) as { instances: { label: string } }).instances.label).toBe('aima-i1-p0');
    await Promise.all(all.map((i) => vast.terminate(i.id)));
    expect(emu.liveInstances()).toEqual([]);
  });

  it('bills dph_base per running second plus disk per existing second', async () => {
    let now = Date.UTC(2026, 0, 1);
    const { emu, vast } = await setup({ now: () => now });
    const [offer] = await vast.offers({ gpuType: 'A100 PCIE' });
    const { id } = await vast.create(req('aima-i1-bill', offer!.id));
    now += 20_000; // loading: disk only
    const { inst } = await waitState(vast, id, 'running');
    expect(inst.startedAt).toBe(now);
    now += 120_000;
    await vast.terminate(id);
    now += 3_600_000;
    const disk = (20 * 0.15) / 720;
    expect(emu.billedUsd(id)).toBeCloseTo((1.1 * 120) / 3600 + (disk * 140) / 3600, 12);
  });

  it('with diskBilledOnlyWhileRunning the bill is exactly dph_total × running seconds from start_date', async () => {
    let now = Date.UTC(2026, 0, 1);
    const { emu, vast } = await setup({ now: () => now, diskBilledOnlyWhileRunning: true });
    const [offer] = await vast.offers({ gpuType: 'RTX 4090' });
    const { id } = await vast.create(req('aima-i1-bill2', offer!.id));
    now += 20_000;
    const { inst } = await waitState(vast, id, 'running');
    now += 61_500; // a started second is billed in full: 62 s
    await vast.terminate(id);
    expect(emu.billedUsd(id)).toBeCloseTo((inst.pricePerHour * 62) / 3600, 14);
    expect(inst.startedAt).toBe(now - 61_500);
  });

  it('retries 429 without Retry-After with client backoff, and 502/503/drops; 4 failures → coded error', async () => {
    const { emu, vast } = await setup({}, { backoffMs: 150 });
    emu.injectFault({ fault: { kind: 'rate-limit' }, times: 2 });
    expect((await vast.offers()).length).toBe(3);
    const log = emu.requests.filter((r) => r.url === '/api/v0/bundles/');
    expect(log.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(log[2]!.at - log[1]!.at).toBeGreaterThanOrEqual(200); // second wait 0.15 × 1.5
    emu.injectFault({ fault: { kind: 'server-error', status: 502 } });
    emu.injectFault({ fault: { kind: 'drop' } });
    expect(await vast.list()).toEqual([]);
    emu.injectFault({ fault: { kind: 'server-error', status: 503 }, times: Infinity });
    const e = await rejection(vast.list());
    expect(e.code).toBe('GPU_PROVIDER_ERROR');
    expect(e.message).toMatch(/503/);
  });

  it('adopts an instance whose create answer was lost instead of renting twice', async () => {
    const { emu, vast } = await setup();
    const [offer] = await vast.offers({ gpuType: 'RTX 4090' });
    emu.injectFault({ fault: { kind: 'drop-after' }, method: 'PUT' });
    const inst = await vast.create(req('aima-i1-lost', offer!.id));
    expect(emu.liveInstances().map((i) => i.id)).toEqual([inst.id]);
    expect(emu.requests.filter((r) => r.method === 'PUT').length).toBe(1);
  });

  it('destroys an instance above the price cap and reports a died instance as failed', async () => {
    const boxes = trivialBoxes();
    const { emu, vast } = await setup({ onBoot: boxes.hook });
    const [offer] = await vast.offers({ gpuType: 'A100 PCIE' });
    expect(
      (await rejection(vast.create({ ...req('aima-i1-cap', offer!.id), maxPricePerHour: 1 }))).code,
    ).toBe('GPU_PRICE_ABOVE_CAP');
    expect(emu.instances()).toEqual([]);
    emu.setInstanceFaults({ dieAfterMs: 100 });
    const [cheap] = await vast.offers({ gpuType: 'RTX 3090' });
    const inst = await vast.create({ ...req('aima-i1-die', cheap!.id), maxPricePerHour: 1 });
    const { inst: dead } = await waitState(vast, inst.id, 'failed');
    expect(dead.startedAt).not.toBeNull(); // it ran, then died
    expect(dead.rawStatus).toBe('offline');
    await boxes.children[0]!.exited; // the host went away: its process is killed
    expect(pidAlive(boxes.children[0]!.pid)).toBe(false);
    await vast.terminate(inst.id);
    expect(emu.liveInstances()).toEqual([]);
  });

  it('never puts the API key in an error', async () => {
    const secret = 'vast_SECRET_0123456789abcdef';
    const { emu } = await setup({ forbiddenKeys: [secret] });
    for (const key of [secret, `x${secret}`]) {
      const v = createVastProvider({ apiKey: key, baseUrl: emu.url });
      const e = await rejection(v.offers());
      expect(e.code).toBe('GPU_PROVIDER_AUTH');
      expect(`${e.message} ${JSON.stringify(e)} ${String(e.stack)}`).not.toContain(secret);
    }
  });
});
