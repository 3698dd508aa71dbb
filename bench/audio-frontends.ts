// Issue 13 probe: the JS work of the audio analyzers' front ends per second of audio, on the
// decoded 16 kHz stream every audio analyzer shares (one ffmpeg per source): what each analyzer
// computes for itself (sounds' ×2 upsampling and 32 kHz log-mel, its energy envelope, loudness'
// K-weighted meter). Run on its own: `npx tsx bench/audio-frontends.ts`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeAudio, parseSource } from '@aima/ingest';
import {
  createEnergyEnvelope,
  createLoudnessMeter,
  createMelStream,
  createUpsampler2x,
  loudnessConfigSchema,
} from '@aima/inference';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const media = process.env.AIMA_MEDIA_DIR ?? path.resolve(root, '../shared/media');
const CLIP = 'synthetic/demo_pedestrians_speech.mp4';
const ROUNDS = 5;

async function decode(): Promise<Float32Array[]> {
  const chunks: Float32Array[] = [];
  const s = await decodeAudio(parseSource(path.join(media, CLIP)), { chunkSamples: 4000 });
  try {
    for await (const c of s) chunks.push(c.samples);
  } finally {
    await s.close();
  }
  return chunks;
}

function time(chunks: readonly Float32Array[], make: () => (x: Float32Array) => void): number {
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const push = make();
    const t0 = performance.now();
    for (const c of chunks) push(c);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(ROUNDS / 2)]!;
}

export async function benchAudioFrontends(): Promise<Record<string, number>> {
  const chunks = await decode();
  const seconds = chunks.reduce((n, c) => n + c.length, 0) / 16000;
  const perSecond = (ms: number): number => Number((ms / seconds).toFixed(3));
  const out = {
    audioSeconds: seconds,
    upsample2xMsPerS: perSecond(
      time(chunks, () => {
        const u = createUpsampler2x();
        return (x) => void u.push(x);
      }),
    ),
    melStreamMsPerS: perSecond(
      time(chunks, () => {
        const m = createMelStream();
        return (x) => {
          m.push(x);
          m.discardBefore(Math.max(0, m.frames - 200));
        };
      }),
    ),
    energyMsPerS: perSecond(
      time(chunks, () => {
        const e = createEnergyEnvelope();
        return (x) => e.push(x);
      }),
    ),
    loudnessMsPerS: perSecond(
      time(chunks, () => {
        const l = createLoudnessMeter({ sampleRate: 16000, ...loudnessConfigSchema.parse({}) });
        return (x) => void l.push(x);
      }),
    ),
  };
  console.log(`audio front ends, JS ms per second of 16 kHz audio (median of ${ROUNDS}):`, out);
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  benchAudioFrontends().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
