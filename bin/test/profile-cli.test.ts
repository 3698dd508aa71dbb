import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aima, VTEST } from './cli-helpers.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-profile-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

interface Row {
  stage: string;
  coreMs: number;
  perFrameMs: number;
  share: number;
}

describe('aima analyze --profile', () => {
  it('reports core-ms per analysed frame by stage, adding up to the CPU the run used', async () => {
    const r = await aima(
      [
        'analyze',
        VTEST,
        '--duration',
        '10',
        '--fps',
        '5',
        '--analyzers',
        'detect,shots',
        '--profile',
        '--json',
      ],
      { AIMA_DATA_DIR: path.join(tmp, 'a') },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as {
      frames: number;
      profile: { frames: number; cpuMs: number; stages: Row[]; threads: Record<string, number> };
    };
    const p = s.profile;
    expect(p.frames).toBe(s.frames);
    const row = (name: string): Row | undefined => p.stages.find((x) => x.stage === name);
    // The model and ffmpeg always show; the JS stages are charged by the kernel's runtime
    // accounting (thread-cpu.ts), which a short run may not tick inside a small stage: together
    // they show. The model is the biggest stage of the spine.
    expect(row('model')?.perFrameMs).toBeGreaterThan(0);
    expect(row('decode')?.perFrameMs).toBeGreaterThan(0);
    const js = ['pre', 'post', 'tracking', 'shots'].reduce((a, n) => a + (row(n)?.coreMs ?? 0), 0);
    expect(js).toBeGreaterThan(0);
    for (const x of p.stages)
      if (x.stage !== 'other') expect(x.perFrameMs).toBeLessThanOrEqual(row('model')!.perFrameMs);
    expect(p.stages.at(-1)!.stage).toBe('other');
    const sum = p.stages.reduce((a, x) => a + x.coreMs, 0);
    expect(sum).toBeGreaterThanOrEqual(p.cpuMs * 0.999);
    expect(p.threads.ortWorkers).toBeGreaterThan(0);
    expect(p.threads.children).toBeGreaterThan(0);
  });

  it('prints the table after the summary', async () => {
    const r = await aima(
      ['analyze', VTEST, '--duration', '2', '--fps', '2', '--analyzers', 'detect', '--profile'],
      {
        AIMA_DATA_DIR: path.join(tmp, 'b'),
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^profile: \d+ analysed frames/m);
    expect(r.stdout).toMatch(/^model\s+\d+\.\d\d\s+\d+\.\d %$/m);
    expect(r.stdout).toMatch(/^other\s+/m);
  });
});
