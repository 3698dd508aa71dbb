// Issue 13: the audio analyzers charge their own work to the runtime's profile (their JS front
// ends measured, pocketsphinx's child CPU read from /proc), and charging changes no result.
// Real speech, real ffmpeg, real Silero / EfficientAT sessions, real pocketsphinx processes.
import { describe, expect, it } from 'vitest';
import { asrAnalyzer, createPocketsphinxTranscriber } from '../src/asr/index.ts';
import { loudnessAnalyzer, soundsAnalyzer, vadAnalyzer } from '../src/audio/index.ts';
import { createProfile, type Profile } from '../src/profile/index.ts';
import { chunksOf, decodeSpeech, feed } from './asr-media.ts';
import { createHarness, type Harness } from './helpers-analyzer.ts';

const EPOCH = 1_700_000_000_000;
const FILE = 'speech/goforward.wav';

/** vad → asr (pocketsphinx), loudness and sounds over one file; with a profile service or none. */
async function run(profile: Profile | null): Promise<Harness[]> {
  const services = profile ? { profile } : {};
  const opts = { live: false, epochMs: EPOCH, services };
  const asr = await createHarness(
    asrAnalyzer,
    { engine: 'pocketsphinx' },
    { ...opts, running: ['vad', 'asr'] },
  );
  const vad = await createHarness(
    vadAnalyzer,
    {},
    {
      ...opts,
      onEmit: (b) => asr.instance.results?.('vad', b),
    },
  );
  const loudness = await createHarness(loudnessAnalyzer, {}, opts);
  const sounds = await createHarness(soundsAnalyzer, {}, opts);
  const all = [vad, asr, loudness, sounds];
  await feed(
    all.map((h) => h.instance),
    chunksOf(decodeSpeech(FILE), EPOCH, 250),
  );
  for (const h of all) await h.close();
  return all;
}

describe('audio analyzers and the profile', () => {
  it('charge loudness, sounds and asr (pocketsphinx child CPU included), results unchanged', async () => {
    const profile = createProfile();
    try {
      const charged = await run(profile);
      const plain = await run(null);
      const stages = new Map(profile.report().stages.map((s) => [s.stage, s.coreMs]));
      // vad's own JS (queueing, hysteresis) is microseconds: only the bigger ones must show.
      for (const id of ['loudness', 'sounds', 'asr']) expect(stages.get(id) ?? 0).toBeGreaterThan(0);
      // Most of asr is the pocketsphinx process: tens of core-ms at least.
      expect(stages.get('asr') ?? 0).toBeGreaterThan(20);
      for (let i = 0; i < charged.length; i++) expect(charged[i]!.batches).toEqual(plain[i]!.batches);
      const words = charged[1]!.rows<{ text: string }>('transcript_segments').map((r) => r.text);
      expect(words.join(' ')).toContain('forward');
    } finally {
      profile.close();
    }
  });

  it('pocketsphinx reports the CPU its process used', async () => {
    const t = createPocketsphinxTranscriber();
    try {
      const r = await t.transcribe(decodeSpeech(FILE), 0);
      expect(r.text).toContain('forward');
      // Linux /proc: a decode of 2.8 s of speech takes tens of core-ms at least.
      expect(r.childCpuMs ?? 0).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });
});
