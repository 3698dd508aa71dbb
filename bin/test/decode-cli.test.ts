// `aima analyze --decode` (issue 13): a bad mode is a coded usage error; 'keyframes' analyses
// the keyframes only.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aima, VTEST } from './cli-helpers.ts';

describe('aima analyze --decode', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'aima-decode-cli-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('aima analyze --decode refuses a bad mode (CLI_BAD_VALUE) and analyses keyframes only', async () => {
    const bad = await aima(['analyze', VTEST, '--decode', 'turbo'], { AIMA_DATA_DIR: dataDir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('CLI_BAD_VALUE');
    const ok = await aima(
      ['analyze', VTEST, '--decode', 'keyframes', '--fps', '2', '--analyzers', 'detect', '--json'],
      { AIMA_DATA_DIR: dataDir },
    );
    expect(ok.code).toBe(0);
    // vtest.mp4 has a keyframe every 6.4 s: 13 of them, not 159 frames at 2 fps.
    expect((JSON.parse(ok.stdout) as { frames: number }).frames).toBe(13);
  }, 60_000);
});
