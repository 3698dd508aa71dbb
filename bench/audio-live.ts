// Issue 9 benchmark, live speech: how long after an utterance ends its final transcript reaches
// the source's live channel. Speech clips with 2 s of silence between them are published as a
// paced, looping live stream by a real server on 127.0.0.1 (ffmpeg's listen mode, FLV over
// RTMP), run as a live source through the source manager with analyzers vad + asr (pocketsphinx),
// and every final 'transcript' message is timed on arrival against the end of its utterance:
// the segment's endTs (the data), and the VAD's end of the speech it transcribes. The floor,
// measured in the same run: bare pocketsphinx_continuous over each source utterance.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { resolveFfmpeg } from '@aima/ingest';
import type { TranscriptLiveData } from '@aima/inference';
import { createSourceManager, openRuntime, type SourceLiveMessage } from '@aima/dashboard';
import { pocketsphinxFloor } from './audio-floors.ts';
import { pct, table } from './report.ts';

const run = promisify(execFile);

/** What this bench uses of test-support's ffmpeg listen server (a real RTMP server on 127.0.0.1). */
interface ListenServer {
  readonly url: string;
  stop(): Promise<void>;
}
type StartListen = (o: {
  protocol: 'rtmp' | 'http';
  clip: { media: string; seconds: number; audio: boolean };
}) => Promise<ListenServer>;
// Imported by URL: test-support belongs to the ingest and dashboard projects, and a static import
// from bin's project (which holds bench/) trips tsc -b over whose declaration output it is.
const LISTEN_SERVER = new URL('../test-support/servers/ffmpeg-listen.ts', import.meta.url).href;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.AIMA_SHARED_DIR ?? path.resolve(root, '../shared');
const modelsDir = process.env.AIMA_MODELS_DIR ?? path.join(shared, 'models');
const mediaDir = process.env.AIMA_MEDIA_DIR ?? path.join(shared, 'media');
const SECONDS = Number(process.env.AIMA_BENCH_AUDIO_LIVE_SECONDS ?? 60);
const SILENCE_S = 2;
const QUIET = ['-nostdin', '-v', 'error', '-y'];
/** The utterances of the stream, in order (each followed by SILENCE_S of silence). */
const UTTERANCES = [
  'speech/goforward.wav',
  'speech/librivox/sense_and_sensibility_01_austen_64kb-0880.wav',
  'speech/librivox/sense_and_sensibility_01_austen_64kb-0890.wav',
  'speech/jfk.wav',
  'speech/librivox/sense_and_sensibility_01_austen_64kb-0870.wav',
  'synthetic/speech_espeak.wav',
];

/** A grey 320x240 10 fps video over the utterances, each padded with silence (16 kHz mono AAC). */
async function buildClip(dir: string): Promise<{ file: string; seconds: number }> {
  const { ffmpeg, ffprobe } = resolveFfmpeg();
  const files = UTTERANCES.map((u) => path.join(mediaDir, u));
  const filter =
    files
      .map((_, i) => `[${i}:a]aresample=16000,aformat=channel_layouts=mono,apad=pad_dur=${SILENCE_S}[a${i}]`)
      .join(';') +
    ';' +
    files.map((_, i) => `[a${i}]`).join('') +
    `concat=n=${files.length}:v=0:a=1[a]`;
  const audio = path.join(dir, 'speech.wav');
  const inputs = files.flatMap((f) => ['-i', f]);
  await run(ffmpeg, [...QUIET, ...inputs, '-filter_complex', filter, '-map', '[a]', audio]);
  const probe = ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', audio];
  const seconds = Number((await run(ffprobe, probe)).stdout.trim());
  const file = path.join(dir, 'speech.mp4');
  const video = ['-f', 'lavfi', '-i', 'color=c=gray:s=320x240:r=10'];
  const enc = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ac', '1'];
  await run(ffmpeg, [...QUIET, ...video, '-i', audio, '-t', String(seconds), ...enc, file]);
  return { file, seconds };
}

interface Final {
  readonly segmentId: string;
  readonly text: string;
  readonly engine: string;
  readonly startTs: number;
  readonly endTs: number;
  readonly arrivedAt: number;
}

export async function benchAudioLive(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aima-bench-audio-live-'));
  const clip = await buildClip(dir);
  const floorMs = (await pocketsphinxFloor(UTTERANCES.map((u) => path.join(mediaDir, u)))).map((r) => r.ms);
  const { start } = (await import(LISTEN_SERVER)) as { start: StartListen };
  const server = await start({
    // rtmp: a live source from the start (an http MPEG-TS URL is probed and decoded like a file).
    protocol: 'rtmp',
    clip: { media: clip.file, seconds: Math.ceil(clip.seconds), audio: true },
  });
  const runtime = await openRuntime({
    dataDir: dir,
    modelsDir,
    executionProvider: 'cpu',
    offline: true,
    modelId: 'yolox-nano',
    faces: { enabled: false },
  });
  const manager = createSourceManager({ runtime, dataDir: dir });
  const finals: Final[] = [];
  const vadEnds: { startTs: number; endTs: number; arrivedAt: number }[] = [];
  const loud: { ts: number; arrivedAt: number }[] = [];
  let partials = 0;
  const failures: string[] = [];
  const now = (): number => performance.timeOrigin + performance.now();
  const listener = (m: SourceLiveMessage): void => {
    if (m.type === 'analyzer-error') failures.push(`${m.analyzer}: ${m.code} ${m.message}`);
    if (m.type !== 'analyzer') return;
    const at = now();
    if (m.analyzer === 'loudness' && m.kind === 'loudness') loud.push({ ts: m.ts, arrivedAt: at });
    if (m.analyzer === 'vad' && m.kind === 'speech') {
      const d = m.data as { state: string; startTs: number; endTs?: number };
      if (d.state === 'end' && d.endTs !== undefined)
        vadEnds.push({ startTs: d.startTs, endTs: d.endTs, arrivedAt: at });
    }
    if (m.analyzer === 'asr' && m.kind === 'transcript') {
      const d = m.data as TranscriptLiveData;
      if (d.partial) partials++;
      else if (d.startTs !== undefined && d.endTs !== undefined)
        finals.push({
          segmentId: d.segmentId,
          text: d.text,
          engine: d.engine ?? '',
          startTs: d.startTs,
          endTs: d.endTs,
          arrivedAt: at,
        });
    }
  };
  const id = 'bench-audio-live';
  try {
    await manager.add({
      input: server.url,
      fps: 5,
      realtime: true,
      id,
      analyzers: ['vad', 'asr', 'loudness'],
    });
    // Nothing is live before the connection is up (seconds away), so subscribing now misses nothing.
    const unsubscribe = manager.subscribe(id, listener);
    // Wait for the connection, then measure a bounded stretch.
    const deadline = Date.now() + 30_000;
    while ((await manager.get(id))?.connection !== 'live' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    unsubscribe();
    await manager.stop(id);
  } finally {
    await manager.close();
    await runtime.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
  if (finals.length === 0)
    throw new Error(`no final transcript in ${SECONDS} s${failures.length ? `: ${failures[0]}` : ''}`);

  // The live clock leads arrival: a connection's epoch is anchored at its first item, which the
  // decoder hands over only after buffering its probe (then the buffered rest comes in a burst).
  // Loudness closes a second the moment its last chunk is in, so arrival - (ts + 1 s) of its
  // messages measures that lead in this run; adding it back times from when the audio arrived.
  const lead = -pct(
    loud.map((l) => l.arrivedAt - l.ts - 1000),
    50,
  );
  // The VAD segment a final transcribes: the last speech end inside the final's span.
  const fromVadEnd = finals.flatMap((f) => {
    const v = vadEnds.filter((e) => e.endTs <= f.endTs && e.endTs > f.startTs).at(-1);
    return v ? [f.arrivedAt - v.endTs] : [];
  });
  const fromEndTs = finals.map((f) => f.arrivedAt - f.endTs);
  const vadClose = vadEnds.map((e) => e.arrivedAt - e.endTs);
  const stats = (xs: readonly number[], add = 0) => ({
    n: xs.length,
    p50Ms: pct(xs, 50) + add,
    p95Ms: pct(xs, 95) + add,
    maxMs: Math.max(...xs) + add,
  });
  const floorP50 = pct(floorMs, 50);
  const res = {
    seconds: SECONDS,
    clipSeconds: clip.seconds,
    engine: finals[0]!.engine,
    finals: finals.length,
    partials,
    partialsPerFinal: partials / finals.length,
    vadSegments: vadEnds.length,
    /** As defined: final's arrival - its segment's endTs (the live clock). */
    fromEndTs: stats(fromEndTs),
    fromVadEnd: stats(fromVadEnd),
    /** Live clock lead over arrival, measured on loudness messages (median). */
    clockLeadMs: lead,
    /** The same, timed from when the utterance's last audio arrived (clock lead added back). */
    fromEndTsArrival: stats(fromEndTs, lead),
    fromVadEndArrival: stats(fromVadEnd, lead),
    vadCloseArrival: stats(vadClose, lead),
    floorPocketsphinxMs: { p50: floorP50, max: Math.max(...floorMs), perUtterance: floorMs },
    p50OverFloor: (pct(fromVadEnd, 50) + lead) / floorP50,
    p95OverFloor: (pct(fromVadEnd, 95) + lead) / floorP50,
    failures,
    texts: finals.map((f) => f.text),
  };
  const ms = (v: number): string => v.toFixed(0);
  const line = (name: string, st: ReturnType<typeof stats>): string[] => [
    name,
    String(st.n),
    ms(st.p50Ms),
    ms(st.p95Ms),
    ms(st.maxMs),
  ];
  console.log(
    `live speech (${UTTERANCES.length} utterances + ${SILENCE_S} s silence each, ${clip.seconds.toFixed(1)} s looping, ` +
      `paced) for ${SECONDS} s, analyzers vad + asr (${res.engine}) + loudness, FLV over RTMP on 127.0.0.1:`,
  );
  console.log(
    table(
      ['final transcript on the live channel', 'n', 'p50 ms', 'p95 ms', 'max ms'],
      [
        line('arrival - segment endTs (live clock)', res.fromEndTs),
        line('arrival - VAD speech end (live clock)', res.fromVadEnd),
        line('arrival - segment end audio arrived', res.fromEndTsArrival),
        line('arrival - VAD speech end audio arrived', res.fromVadEndArrival),
        line('  VAD end message - speech end arrived', res.vadCloseArrival),
        [
          'floor: bare pocketsphinx per utterance',
          String(floorMs.length),
          ms(floorP50),
          '-',
          ms(res.floorPocketsphinxMs.max),
        ],
      ],
    ),
  );
  console.log(
    `  live clock leads arrival by ${lead.toFixed(0)} ms (decoder probe buffer; measured on loudness messages); ` +
      `segment endTs = VAD end + 250 ms of asr context`,
  );
  console.log(
    `  finals ${finals.length}, partials ${partials} (${res.partialsPerFinal.toFixed(2)} per final); from speech end: ` +
      `p50 / floor = ${res.p50OverFloor.toFixed(2)}, p95 / floor = ${res.p95OverFloor.toFixed(2)} ` +
      `(by design the VAD waits 400 ms of silence, asr 250 ms of context)`,
  );
  if (failures.length > 0) console.log(`  analyzer failures: ${failures.join('; ')}`);
  return res;
}
