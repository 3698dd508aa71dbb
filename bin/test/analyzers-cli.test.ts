// Choosing analyzers from the terminal: the list, AIMA_ANALYZERS and --analyzers, and their errors.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aima, MEDIA_DIR } from './cli-helpers.ts';

let tmp: string;
let env: Record<string, string>;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-analyzers-cli-'));
  env = { AIMA_DATA_DIR: path.join(tmp, 'data') };
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

interface Listed {
  id: string;
  version: string;
  models: Array<{ id: string; present: boolean }>;
  defaultOn: boolean;
  enabled: boolean;
  ready: boolean;
}

describe('aima analyzers', () => {
  it('lists every analyzer with its models, whether they are here, and what runs by default', async () => {
    const r = await aima(['analyzers', 'list', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as Listed[];
    const ids = list.map((a) => a.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'detect',
        'faces',
        'shots',
        'vad',
        'loudness',
        'sounds',
        'asr',
        'speakers',
        'speech-rate',
      ]),
    );
    // Producers come before their consumers.
    expect(ids.indexOf('vad')).toBeLessThan(ids.indexOf('asr'));
    expect(ids.indexOf('asr')).toBeLessThan(ids.indexOf('speech-rate'));
    const vad = list.find((a) => a.id === 'vad')!;
    expect(vad.models).toEqual([{ id: 'silero-vad', present: true }]);
    expect(vad.ready && vad.defaultOn && vad.enabled).toBe(true);
    // Speakers need a voice model that is not here: listed, off, not ready.
    const speakers = list.find((a) => a.id === 'speakers')!;
    expect(speakers.enabled).toBe(false);
    expect(speakers.ready).toBe(false);

    const table = await aima(['analyzers', 'list'], env);
    expect(table.stdout).toMatch(/^sounds\s+1\s+on\s+efficientat-mn04, audioset-labels\s+audio/m);

    const chosen = await aima(['analyzers', 'list', '--json'], { ...env, AIMA_ANALYZERS: 'asr' });
    const on = (JSON.parse(chosen.stdout) as Listed[]).filter((a) => a.enabled).map((a) => a.id);
    expect(on).toEqual(['vad', 'asr']);
  });

  it('runs only the chosen analyzers (and what they need)', async () => {
    const r = await aima(
      ['analyze', path.join(MEDIA_DIR, 'speech/goforward.wav'), '--analyzers', 'asr', '--json'],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as {
      analyzers: string[];
      transcript: Array<{ text: string; engine: string }>;
      soundEvents: unknown[];
    };
    expect(s.analyzers).toEqual(['vad', 'asr']);
    expect(s.transcript.map((t) => t.text).join(' ')).toContain('forward');
    expect(s.soundEvents).toEqual([]);
  });

  it('refuses unknown analyzers with a coded one-line error and exit 2', async () => {
    const bad = await aima(
      ['analyze', path.join(MEDIA_DIR, 'speech/jfk.wav'), '--analyzers', 'vad,lidar'],
      env,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(
      /^aima: INFER_UNKNOWN_ANALYZER: unknown analyzer "lidar" \(known: .*\)$/,
    );
    const envBad = await aima(['analyzers', 'list'], { ...env, AIMA_ANALYZERS: 'vad,sonar' });
    expect(envBad.code).toBe(2);
    expect(envBad.stderr).toContain('INFER_UNKNOWN_ANALYZER');
    const usage = await aima(['analyzers'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim()).toMatch(/^aima: CLI_USAGE: usage: aima analyzers list/);
  });
});
