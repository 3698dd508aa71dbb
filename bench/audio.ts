// Issue 9 benchmark, the audio analyzers on CPU: realtime factor (audio seconds / wall seconds) of
// each analyzer over real media, run by the real analyzer host exactly as a job runs it (shared
// one-thread ORT worker sessions, 0.25 s chunks, results discarded instead of stored), each next
// to a floor measured in the same run on the same input:
//   vad       vs bare Silero ORT runs over the same 512-sample windows (state carried),
//   sounds    vs bare EfficientAT ORT runs on the very mel batches the analyzer built,
//   loudness  vs a bare TS pass doing the same per-sample arithmetic (two biquads, square sum,
//             peak, clip count), with ffmpeg's ebur128 as a reference,
//   asr       (pocketsphinx, VAD-segmented: vad + asr) vs bare pocketsphinx_continuous on the wav.
// Audio is decoded up front, so decoding is in neither number. sherpa engines are skipped: only
// fixture models exist here, whose speed means nothing.
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeAudio, parseSource, type AudioChunk } from '@aima/ingest';
import {
  asrAnalyzer,
  createAnalyzerHost,
  createModelRegistry,
  createModelSession,
  loudnessAnalyzer,
  soundsAnalyzer,
  vadAnalyzer,
  type AnyAnalyzerDefinition,
  type ModelSession,
  type ResolvedModel,
  type TensorMap,
} from '@aima/inference';
import {
  SR,
  ebur128Ms,
  loudnessFloor,
  pocketsphinxFloor,
  sileroFloor,
  taggerFloor,
  type Captured,
  type FloorClip,
} from './audio-floors.ts';
import { table } from './report.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.AIMA_SHARED_DIR ?? path.resolve(root, '../shared');
const modelsDir = process.env.AIMA_MODELS_DIR ?? path.join(shared, 'models');
const mediaDir = process.env.AIMA_MEDIA_DIR ?? path.join(shared, 'media');
/** The chunk size analysis jobs feed (analysis-job.ts). */
const CHUNK = 4000;

/** Speech clips (ASR runs on these) and ESC-50 event clips, relative to the media dir. */
const SPEECH_CLIPS = [
  'speech/goforward.wav',
  'speech/jfk.wav',
  'speech/librivox/sense_and_sensibility_01_austen_64kb-0870.wav',
  'speech/librivox/sense_and_sensibility_01_austen_64kb-0880.wav',
  'speech/librivox/sense_and_sensibility_01_austen_64kb-0890.wav',
  'synthetic/speech_espeak.wav',
  'synthetic/demo_pedestrians_speech.mp4',
];
const EVENT_DIRS = [
  'car_horn',
  'crying_baby',
  'engine',
  'footsteps',
  'glass_breaking',
  'rain',
  'sea_waves',
  'siren',
];

interface Clip extends FloorClip {
  readonly name: string;
  readonly chunks: AudioChunk[];
  readonly seconds: number;
}

async function decodeClip(rel: string): Promise<Clip> {
  const file = path.join(mediaDir, rel);
  const stream = await decodeAudio(parseSource(file), { epochMs: 0, chunkSamples: CHUNK });
  const chunks: AudioChunk[] = [];
  try {
    for await (const c of stream) chunks.push(c);
  } finally {
    await stream.close();
  }
  const n = chunks.reduce((s, c) => s + c.samples.length, 0);
  const samples = new Float32Array(n);
  let o = 0;
  for (const c of chunks) {
    samples.set(c.samples, o);
    o += c.samples.length;
  }
  return { name: path.basename(rel), file, chunks, samples, seconds: n / SR };
}

async function eventClips(): Promise<string[]> {
  const out: string[] = [];
  for (const d of EVENT_DIRS) {
    const files = (await readdir(path.join(mediaDir, 'events', d))).filter((f) => f.endsWith('.wav'));
    out.push(...files.map((f) => `events/${d}/${f}`));
  }
  return out;
}

/** What one host run of some analyzers over one clip gave. */
interface HostRun {
  readonly ms: number;
  readonly summaries: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly failures: readonly { analyzer: string; code: string; message: string }[];
}

/**
 * Runs `defs` over a decoded clip through the real analyzer host (as a file job does: no dropping,
 * lanes, producers finishing first) and times feeding every chunk plus finish(). Results are not
 * stored: that is the store's cost, measured by the pipeline bench.
 */
async function hostRun(
  defs: readonly AnyAnalyzerDefinition[],
  clip: Clip,
  models: ReadonlyMap<string, ResolvedModel>,
  session: (id: string) => Promise<ModelSession>,
  config: Readonly<Record<string, unknown>> = {},
): Promise<HostRun> {
  const host = await createAnalyzerHost({
    sourceId: 'bench',
    live: false,
    epochMs: 0,
    executionProvider: 'cpu',
    analyzers: defs.map((def) => ({ def, config: config[def.id] ?? {} })),
    models,
    session,
    store: async () => undefined,
  });
  try {
    const t0 = performance.now();
    for (const c of clip.chunks) await host.audio(c);
    await host.finish();
    const ms = performance.now() - t0;
    return { ms, summaries: host.summaries(), failures: [...host.failures] };
  } finally {
    await host.close();
  }
}

const x = (v: number): string => `${v.toFixed(1)}x`;

interface Row {
  readonly analyzer: string;
  readonly audioS: number;
  readonly ms: number;
  readonly rtf: number;
  readonly floor: string;
  readonly floorMs: number;
  readonly floorRtf: number;
  /** analyzer RTF / floor RTF (1 = as fast as the bare floor). */
  readonly ratio: number;
}

function row(analyzer: string, audioS: number, ms: number, floor: string, floorMs: number): Row {
  const rtf = (audioS * 1000) / ms;
  const floorRtf = (audioS * 1000) / floorMs;
  return { analyzer, audioS, ms, rtf, floor, floorMs, floorRtf, ratio: rtf / floorRtf };
}

export async function benchAudio(): Promise<Record<string, unknown>> {
  const speech = await Promise.all(SPEECH_CLIPS.map(decodeClip));
  const events = await Promise.all((await eventClips()).map(decodeClip));
  const all = [...speech, ...events];
  const secs = (cs: readonly Clip[]): number => cs.reduce((s, c) => s + c.seconds, 0);
  console.log(
    `media: ${speech.length} speech clips (${secs(speech).toFixed(1)} s) + ${events.length} ESC-50 clips ` +
      `(${secs(events).toFixed(1)} s), 16 kHz mono, decoded up front, fed in ${CHUNK}-sample chunks`,
  );

  const registry = createModelRegistry({ modelsDir });
  const models = new Map<string, ResolvedModel>();
  for (const id of ['silero-vad', 'efficientat-mn04', 'audioset-labels'])
    models.set(id, await registry.resolve(id, { download: false }));
  // One worker session per model with one thread, shared by every run: what the runtime does.
  const sessions = new Map<string, Promise<ModelSession>>();
  const session = (id: string): Promise<ModelSession> => {
    let s = sessions.get(id);
    if (!s) {
      s = createModelSession(models.get(id)!.path, { intraOpThreads: 1, label: id });
      sessions.set(id, s);
    }
    return s;
  };
  // The tagger's batches, captured on a first (untimed) pass so the floor runs the same tensors.
  const captured: Captured[] = [];
  const capturing = async (id: string): Promise<ModelSession> => {
    const real = await session(id);
    if (id !== 'efficientat-mn04') return real;
    return new Proxy(real, {
      get(t, k, r) {
        if (k !== 'run') return Reflect.get(t, k, r) as unknown;
        return (feeds: TensorMap) => {
          for (const [name, f] of Object.entries(feeds))
            captured.push({ name, data: (f.data as Float32Array).slice(), dims: [...f.dims] });
          return t.run(feeds);
        };
      },
    });
  };

  try {
    const sumRuns = async (
      defs: readonly AnyAnalyzerDefinition[],
      clips: readonly Clip[],
      sess = session,
      config: Record<string, unknown> = {},
    ): Promise<{ ms: number; runs: HostRun[] }> => {
      const runs: HostRun[] = [];
      for (const c of clips) runs.push(await hostRun(defs, c, models, sess, config));
      const failed = runs.flatMap((r) => r.failures);
      if (failed.length > 0) throw new Error(`analyzer failed: ${JSON.stringify(failed[0])}`);
      return { ms: runs.reduce((s, r) => s + r.ms, 0), runs };
    };

    // Warm-up: sessions loaded, JIT warm (each analyzer once over one clip).
    await sumRuns([vadAnalyzer, loudnessAnalyzer], [speech[0]!]);
    await sumRuns([soundsAnalyzer], all, capturing);

    const rows: Row[] = [];
    // VAD
    const vad = await sumRuns([vadAnalyzer], all);
    const sf = await sileroFloor(models.get('silero-vad')!.path, all);
    const sum = (runs: readonly HostRun[], id: string, key: string): number =>
      runs.reduce((s, r) => s + Number(r.summaries[id]?.[key] ?? 0), 0);
    const vadModelMs = sum(vad.runs, 'vad', 'modelMs');
    rows.push(
      row('vad (Silero v6.2)', secs(all), vad.ms, 'bare ORT, same windows', Math.min(sf.inThread, sf.worker)),
    );
    // Sound tagging
    const sounds = await sumRuns([soundsAnalyzer], all);
    const tf = await taggerFloor(models.get('efficientat-mn04')!.path, captured);
    const tagWindows = sum(sounds.runs, 'sounds', 'windows');
    const soundEvents = sum(sounds.runs, 'sounds', 'events');
    const soundModelMs = sum(sounds.runs, 'sounds', 'modelMs');
    rows.push(
      row(
        'sounds (EfficientAT mn04)',
        secs(all),
        sounds.ms,
        'bare ORT, same mel batches',
        Math.min(tf.inThread, tf.worker),
      ),
    );
    // Loudness
    const loud = await sumRuns([loudnessAnalyzer], all);
    const lf = Math.min(loudnessFloor(all), loudnessFloor(all));
    const eb = await ebur128Ms(all);
    rows.push(row('loudness (EBU R128, TS)', secs(all), loud.ms, 'bare TS pass, same arithmetic', lf));
    const loudVsFfmpeg = row('loudness (EBU R128, TS)', secs(all), loud.ms, 'ffmpeg ebur128 (+decode)', eb);
    rows.push(loudVsFfmpeg);
    // ASR, pocketsphinx, VAD-segmented: the chain as jobs run it, on the speech clips.
    const asrCfg = { asr: { engine: 'pocketsphinx' } };
    const chain = await sumRuns([vadAnalyzer, asrAnalyzer], speech, session, asrCfg);
    const vadSpeech = await sumRuns([vadAnalyzer], speech);
    const psRuns = await pocketsphinxFloor(speech.map((c) => c.file));
    const pf = psRuns.reduce((s, r) => ({ ms: s.ms + r.ms, words: s.words + r.words }), { ms: 0, words: 0 });
    const asrWords = sum(chain.runs, 'asr', 'words');
    const utterances = sum(chain.runs, 'asr', 'utterances');
    rows.push(row('vad+asr (pocketsphinx)', secs(speech), chain.ms, 'bare pocketsphinx_continuous', pf.ms));
    rows.push(
      row(
        '  asr alone (chain - vad)',
        secs(speech),
        Math.max(1, chain.ms - vadSpeech.ms),
        'bare pocketsphinx_continuous',
        pf.ms,
      ),
    );

    console.log(
      table(
        ['analyzer', 'audio s', 'wall ms', 'RTF', 'floor', 'floor ms', 'floor RTF', 'analyzer/floor'],
        rows.map((r) => [
          r.analyzer,
          r.audioS.toFixed(1),
          r.ms.toFixed(0),
          x(r.rtf),
          r.floor,
          r.floorMs.toFixed(0),
          x(r.floorRtf),
          r.ratio.toFixed(2),
        ]),
      ),
    );
    console.log(
      `  vad: ${sf.windows} windows, ${vadModelMs.toFixed(0)} ms of it in model calls; floor = min(in-thread ORT x1 thread ` +
        `${sf.inThread.toFixed(0)} ms, worker session x1 thread ${sf.worker.toFixed(0)} ms)`,
    );
    console.log(
      `  sounds: ${tagWindows} windows of 2 s in ${captured.length} ORT calls, ${soundModelMs.toFixed(0)} ms of it in model ` +
        `calls (the rest: the log-mel front end in TS), ${soundEvents} events; floor = min(in-thread ` +
        `${tf.inThread.toFixed(0)} ms, worker ${tf.worker.toFixed(0)} ms)`,
    );
    console.log(
      `  asr: ${utterances} utterances, ${asrWords} words (bare pocketsphinx: ${pf.words} words over whole files); ` +
        `the analyzer decodes only VAD speech (+250 ms context), one process per utterance`,
    );
    console.log(
      '  sherpa-whisper / sherpa-zipformer: skipped (only fixture models here; their speed means nothing)',
    );
    console.log(
      `  RTF = audio seconds / wall seconds; CPU: ${os.cpus().length} cores shared with other work, so numbers are noisy`,
    );
    return {
      chunkSamples: CHUNK,
      speechSeconds: secs(speech),
      eventSeconds: secs(events),
      rows,
      vad: {
        windows: sf.windows,
        modelMs: vadModelMs,
        floorInThreadMs: sf.inThread,
        floorWorkerMs: sf.worker,
      },
      sounds: {
        windows: tagWindows,
        ortCalls: captured.length,
        modelMs: soundModelMs,
        events: soundEvents,
        floorInThreadMs: tf.inThread,
        floorWorkerMs: tf.worker,
      },
      loudness: { floorTsMs: lf, ffmpegEbur128Ms: eb, overFfmpeg: loudVsFfmpeg.ratio },
      asr: {
        engine: 'pocketsphinx',
        utterances,
        words: asrWords,
        floorWords: pf.words,
        vadOnlyMs: vadSpeech.ms,
      },
      skipped: { 'sherpa-whisper': 'fixture models only', 'sherpa-zipformer': 'fixture models only' },
    };
  } finally {
    for (const s of sessions.values()) await (await s.catch(() => null))?.close();
  }
}
