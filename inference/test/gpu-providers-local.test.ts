// The local provider (price 0, a real process per instance) and the emulators' lying/faulty
// behaviours that the pool's tests rely on: lies about state, ignored terminates, seeded faults.
import { afterEach, describe, expect, it } from 'vitest';
import { startRunpodEmulator, startVastEmulator } from '../../test-support/gpu/index.ts';
import type { GpuEmulator } from '../../test-support/gpu/index.ts';
import { createLocalProvider, createRunpodProvider, createVastProvider } from '../index.ts';
import { pidAlive, rejection, trivialBoxes, waitState } from './gpu-providers-helpers.ts';

const open: GpuEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

describe('local provider', () => {
  it('offers one free "GPU", boots a real worker process and kills it on terminate', async () => {
    const boxes = trivialBoxes();
    const local = createLocalProvider({ boot: boxes.hook, maxInstances: 1 });
    expect(await local.offers()).toEqual([expect.objectContaining({ provider: 'local', pricePerHour: 0 })]);
    const inst = await local.create({
      label: 'aima-i1-l',
      offerId: 'local',
      image: 'n/a',
      env: { AIMA_JOB_ID: 'l' },
    });
    expect(inst.state).toBe('pending');
    const { inst: running } = await waitState(local, inst.id, 'running');
    expect(running.pricePerHour).toBe(0);
    expect(
      (await rejection(local.create({ label: 'x', offerId: 'local', image: 'n/a', env: {} }))).code,
    ).toBe('GPU_NO_CAPACITY');
    expect(pidAlive(boxes.children[0]!.pid)).toBe(true);
    await local.terminate(inst.id);
    await local.terminate(inst.id);
    expect(pidAlive(boxes.children[0]!.pid)).toBe(false);
    expect(await local.get(inst.id)).toBeNull();
    expect(await local.billing!(inst.id)).toBe(0);
    await local.close();
  });

  it('marks an instance whose process exits by itself as failed', async () => {
    const boxes = trivialBoxes();
    const local = createLocalProvider({ boot: boxes.hook });
    const inst = await local.create({ label: 'aima-i1-crash', offerId: 'local', image: 'n/a', env: {} });
    await waitState(local, inst.id, 'running');
    process.kill(boxes.children[0]!.pid, 'SIGKILL');
    await waitState(local, inst.id, 'failed');
    await local.close();
  });
});

describe('emulator faults', () => {
  it('RunPod: a box whose process exits shows EXITED with cost 0; "running without boot" never starts one', async () => {
    const boxes = trivialBoxes();
    const emu = await startRunpodEmulator({ onBoot: boxes.hook, bootDelayMs: 40 });
    open.push(emu);
    const rp = createRunpodProvider({ apiKey: emu.apiKey, baseUrl: emu.url, backoffMs: 5 });
    const a = await rp.create({ label: 'a', offerId: 'NVIDIA L4', image: 'img', env: {} });
    await waitState(rp, a.id, 'running');
    process.kill(boxes.children[0]!.pid, 'SIGKILL');
    const { inst } = await waitState(rp, a.id, 'stopped');
    expect(inst).toMatchObject({ rawStatus: 'EXITED', pricePerHour: 0 });
    emu.setInstanceFaults({ runningWithoutBoot: true });
    const b = await rp.create({ label: 'b', offerId: 'NVIDIA L4', image: 'img', env: {} });
    await waitState(rp, b.id, 'running');
    expect(boxes.children).toHaveLength(1);
    await Promise.all([rp.terminate(a.id), rp.terminate(b.id)]);
    expect(emu.liveInstances()).toEqual([]);
  });

  it('Vast: an ignored destroy answers success but keeps running and billing until destroyed again', async () => {
    let now = 1_000_000;
    const boxes = trivialBoxes();
    const emu = await startVastEmulator({ onBoot: boxes.hook, bootDelayMs: 40, now: () => now });
    open.push(emu);
    const vast = createVastProvider({ apiKey: emu.apiKey, baseUrl: emu.url, backoffMs: 5 });
    emu.setInstanceFaults({ ignoreTerminates: 1 });
    const [offer] = await vast.offers();
    const inst = await vast.create({ label: 'ghost', offerId: offer!.id, image: 'img', env: {} });
    await waitState(vast, inst.id, 'running');
    await vast.terminate(inst.id);
    now += 10_000;
    expect((await vast.get(inst.id))?.state).toBe('running');
    expect(emu.billedUsd(inst.id)).toBeGreaterThan(0);
    await vast.terminate(inst.id);
    expect(await vast.get(inst.id)).toBeNull();
    expect(pidAlive(boxes.children[0]!.pid)).toBe(false);
  });

  it('a hanging answer times out per request and is retried', async () => {
    const emu = await startVastEmulator();
    open.push(emu);
    const vast = createVastProvider({
      apiKey: emu.apiKey,
      baseUrl: emu.url,
      backoffMs: 5,
      requestTimeoutMs: 100,
    });
    emu.injectFault({ fault: { kind: 'delay', ms: 400 }, method: 'GET' });
    expect(await vast.list()).toEqual([]);
    await new Promise((r) => setTimeout(r, 450)); // the slow answer is logged when it is finally sent
    const log = [...emu.requests].sort((a, b) => a.at - b.at);
    expect(log.map((r) => r.fault ?? r.status)).toEqual(['delay', 200]);
  });

  it("Vast's per-endpoint minimum interval answers 429 without Retry-After; the client's backoff clears it", async () => {
    const emu = await startVastEmulator({ minIntervalMs: 100 });
    open.push(emu);
    const vast = createVastProvider({ apiKey: emu.apiKey, baseUrl: emu.url }); // default 0.15 s ×1.5
    await vast.list();
    await vast.list();
    const codes = emu.requests.map((r) => r.status);
    expect(codes[0]).toBe(200);
    expect(codes[codes.length - 1]).toBe(200);
    expect(codes).toContain(429);
  });

  it('seeded random faults are reproducible and the client rides through them', async () => {
    const run = async (): Promise<string> => {
      const emu = await startRunpodEmulator({ seed: 7 });
      open.push(emu);
      emu.setRandomFaults({
        rate: 0.4,
        seed: 42,
        faults: [{ kind: 'rate-limit', retryAfterS: 0 }, { kind: 'server-error' }, { kind: 'drop' }],
      });
      const rp = createRunpodProvider({ apiKey: emu.apiKey, baseUrl: emu.url, backoffMs: 1, maxRetries: 8 });
      for (let i = 0; i < 10; i++) await rp.offers();
      return emu.requests.map((r) => `${r.status}${r.fault ?? ''}`).join(',');
    };
    const first = await run();
    expect(first).toMatch(/429|503|drop/);
    expect(await run()).toBe(first);
  });
});
