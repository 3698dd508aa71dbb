// AIMA_ANALYZER_CONFIG: the installation's analyzer settings, checked against each analyzer's own
// schema when the configuration is read, and laid under every job's settings.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { aima, MEDIA_DIR } from './cli-helpers.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'aima-analyzer-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, text);
  return p;
}

describe('AIMA_ANALYZER_CONFIG', () => {
  it('reads YAML and JSON maps of analyzer settings', async () => {
    const yaml = await file('a.yaml', 'safety:\n  safeWords: [forward]\nage:\n  margin: 6\n');
    expect(loadConfig({ AIMA_ANALYZER_CONFIG: yaml }).analyzerConfig).toEqual({
      safety: { safeWords: ['forward'] },
      age: { margin: 6 },
    });
    const json = await file('a.json', JSON.stringify({ pose: { maxPersons: 2 } }));
    expect(loadConfig({ AIMA_ANALYZER_CONFIG: json }).analyzerConfig).toEqual({ pose: { maxPersons: 2 } });
    expect(loadConfig({}).analyzerConfig).toBeNull();
  });

  it('refuses unknown analyzers, bad values (naming the key) and unreadable files', async () => {
    const unknown = await file('u.yaml', 'safty:\n  safeWords: [x]\n');
    expect(() => loadConfig({ AIMA_ANALYZER_CONFIG: unknown })).toThrow(
      expect.objectContaining({
        code: 'CLI_BAD_VALUE',
        message: expect.stringMatching(/safty: unknown analyzer/),
      }),
    );
    const bad = await file('b.yaml', 'safety:\n  safeWords: forward\n');
    expect(() => loadConfig({ AIMA_ANALYZER_CONFIG: bad })).toThrow(
      /AIMA_ANALYZER_CONFIG: safety\.safeWords: /,
    );
    const margin = await file('m.yaml', 'age:\n  margin: -3\n');
    expect(() => loadConfig({ AIMA_ANALYZER_CONFIG: margin })).toThrow(/age\.margin/);
    const list = await file('l.yaml', '- safety\n');
    expect(() => loadConfig({ AIMA_ANALYZER_CONFIG: list })).toThrow(/must map analyzer ids/);
    expect(() => loadConfig({ AIMA_ANALYZER_CONFIG: path.join(dir, 'missing.yaml') })).toThrow(
      /cannot read the file \(ENOENT\)/,
    );
  });
});

describe('aima analyze with installation settings and the age gate', () => {
  // The signer in book.mkv is an adult (SSR-Net: about 35). With the margin at its maximum (30, so
  // under 48 counts as a likely minor) the gate must trip: NSFW stops, the source is quarantined,
  // and both outputs say so. Nothing explicit is involved: the clip is a person signing a word.
  it('a margin from AIMA_ANALYZER_CONFIG trips the gate; the summary and --json report the quarantine', async () => {
    const cfg = await file('strict-age.yaml', 'age:\n  margin: 30\n');
    const clip = path.join(MEDIA_DIR, 'video/asl/book.mkv');
    const env = { AIMA_DATA_DIR: path.join(dir, 'data-json'), AIMA_ANALYZER_CONFIG: cfg };
    const json = await aima(['analyze', clip, '--analyzers', 'nsfw', '--fps', '2', '--json'], env, 300_000);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout) as {
      quarantine: { code: string; reason: string; threshold: number } | null;
      analyzerFailures: Array<{ analyzer: string; code: string }>;
    };
    expect(out.quarantine).toMatchObject({ code: 'SAFETY_MINOR_DETECTED', threshold: 48 });
    expect(out.analyzerFailures).toContainEqual(
      expect.objectContaining({ analyzer: 'nsfw', code: 'SAFETY_MINOR_STOP' }),
    );
    const human = await aima(
      ['analyze', clip, '--analyzers', 'nsfw', '--fps', '2'],
      {
        ...env,
        AIMA_DATA_DIR: path.join(dir, 'data-human'),
      },
      300_000,
    );
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      /QUARANTINED \(SAFETY_MINOR_DETECTED\): face estimated [\d.]+ years \(< 48\)/,
    );
  });
});
