import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_DETECTOR_ID, formatProfile, parseAnalyzerList, type ProfileReport } from '@aima/inference';
import type {
  AudioEventRecord,
  QuarantineRecord,
  SafetyEventRecord,
  Store,
  TranscriptSegmentRecord,
} from '@aima/storage';
import { loadConfig, parseFlags } from '../config.ts';
import { CliError } from '../errors.ts';
import { createSourceGuard, DECODE_MODES } from '@aima/ingest';
import { ANALYZERS, makeSourceId, openRuntime, runAnalysisJob, type AnalysisSummary } from '@aima/dashboard';
import { iso, mediaTime, toCsv, toTable, writeOutput } from '../output.ts';
import { createProgress } from '../progress.ts';
import type { CommandContext } from './context.ts';

export const analyzeUsage = `usage: aima analyze <file|folder|url> [--fps N] [--duration S] [--classes a,b] [--threshold X]
                    [--class-threshold person=0.5,car=0.6] [--model ID|file.onnx [--decoder yolov8|yolox] [--labels FILE]]
                    [--window MS] [--stride MS] [--id SOURCE_ID] [--retries 2] [--no-faces] [--no-shots]
                    [--decode full|fast|keyframes]
                    [--analyzers detect,faces,shots,vad,loudness,sounds,asr,speakers,speech-rate]
                    [--out report.json|report.csv] [--json] [--profile]   (a folder: each image is one moment)`;

const flagsSchema = z.object({
  fps: z.coerce.number().positive().max(120).default(5),
  duration: z.coerce.number().positive().optional(),
  // How much video to decode (default: 'fast' for live sources far below their rate, else 'full').
  decode: z.enum(DECODE_MODES).optional(),
  classes: z.string().optional(),
  threshold: z.coerce.number().min(0).max(1).optional(),
  model: z.string().default(DEFAULT_DETECTOR_ID),
  decoder: z.enum(['yolov8', 'yolox']).optional(),
  labels: z.string().optional(),
  'class-threshold': z
    .string()
    .transform((s, ctx) => {
      const out: Record<string, number> = {};
      for (const part of s.split(',').filter(Boolean)) {
        const m = /^([^=]+)=([0-9.]+)$/.exec(part.trim());
        const v = m ? Number(m[2]) : NaN;
        if (!m || !(v >= 0 && v <= 1)) {
          ctx.addIssue({ code: 'custom', message: `'${part}' is not label=score with score in 0..1` });
          return z.NEVER;
        }
        out[m[1]!.trim()] = v;
      }
      return out;
    })
    .optional(),
  window: z.coerce.number().int().positive().default(1000),
  stride: z.coerce.number().int().positive().optional(),
  id: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (1-64)')
    .optional(),
  out: z
    .string()
    .regex(/\.(json|csv)$/i, 'must end in .json or .csv')
    .optional(),
  json: z.boolean().default(false),
  retries: z.coerce.number().int().min(0).max(1000).default(2),
  progress: z.boolean().optional(),
  'no-faces': z.boolean().default(false),
  'no-shots': z.boolean().default(false),
  profile: z.boolean().default(false),
  analyzers: z
    .string()
    .regex(/^[a-z0-9, -]+$/, 'comma-separated analyzer ids (see aima analyzers list)')
    .optional(),
});

export async function analyzeCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      fps: { type: 'string' },
      duration: { type: 'string' },
      decode: { type: 'string' },
      classes: { type: 'string' },
      threshold: { type: 'string' },
      model: { type: 'string' },
      decoder: { type: 'string' },
      labels: { type: 'string' },
      'class-threshold': { type: 'string' },
      window: { type: 'string' },
      stride: { type: 'string' },
      id: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      retries: { type: 'string' },
      progress: { type: 'boolean' },
      'no-faces': { type: 'boolean' },
      'no-shots': { type: 'boolean' },
      profile: { type: 'boolean' },
      analyzers: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new CliError('CLI_USAGE', analyzeUsage.split('\n')[0]!);
  const flags = parseFlags(flagsSchema, values);
  const config = loadConfig(ctx.env);
  const progress = createProgress(ctx.stderr, flags.progress ?? ctx.stderr.isTTY === true);
  // The user's own shell: paths stay unrestricted, but a URL still may not reach link-local (cloud
  // metadata), multicast, unspecified or broadcast addresses unless AIMA_SOURCE_ALLOW lists them.
  const guard = createSourceGuard({ policy: 'self-hosted', allow: config.sources.allow, mediaRoots: null });
  const { source } = await guard.check(positionals[0]!);
  // An unknown analyzer is a usage error, found before any model is loaded.
  const chosen = flags.analyzers ? parseAnalyzerList(flags.analyzers) : config.analyzers;
  const plan = ANALYZERS.select(chosen);
  const runtime = await openRuntime({
    ...config,
    modelId: flags.model,
    classes: flags.classes
      ?.split(',')
      .map((c) => c.trim())
      .filter(Boolean),
    scoreThreshold: flags.threshold,
    classThresholds: flags['class-threshold'],
    decoder: flags.decoder,
    labelsFile: flags.labels,
    faces: {
      ...config.faces,
      enabled: config.faces.enabled && !flags['no-faces'] && plan.some((d) => d.id === 'faces'),
    },
    onDownload: (p) => {
      if (ctx.stderr.isTTY)
        ctx.stderr.write(`\rdownloading ${p.modelId}: ${(p.receivedBytes / 1e6).toFixed(1)} MB\x1b[K`);
    },
    signal: ctx.signal,
  });
  let summary: AnalysisSummary;
  let audio: AudioReport = { transcript: [], soundEvents: [] };
  let safety: SafetyReport = { safetyEvents: [], quarantine: null };
  let profile: ProfileReport | null = null;
  try {
    // The profile covers the job itself, not loading the models.
    runtime.profile.reset();
    summary = await runAnalysisJob(runtime, {
      analyzers: chosen,
      source,
      sourceId: flags.id ?? makeSourceId(source),
      fps: flags.fps,
      durationMs: flags.duration !== undefined ? flags.duration * 1000 : undefined,
      ...(flags.decode ? { decode: flags.decode } : {}),
      window: { lengthMs: flags.window, strideMs: flags.stride ?? flags.window },
      // A one-shot run gives up on a URL that keeps failing; `aima serve` retries live sources forever.
      maxAttempts: flags.retries + 1,
      shots: !flags['no-shots'],
      onProgress: (s) => progress.update(s),
      signal: ctx.signal,
    });
    if (flags.profile) profile = runtime.profile.report();
    audio = await audioReport(runtime.store, summary);
    safety = await safetyReport(runtime.store, summary);
  } finally {
    progress.done();
    await runtime.close();
  }
  if (flags.out) await writeOutput(flags.out, formatReport(summary, path.extname(flags.out).toLowerCase()));
  ctx.stdout.write(
    flags.json
      ? JSON.stringify({ ...summary, ...audio, ...safety, ...(profile ? { profile } : {}) }, null, 2) + '\n'
      : formatSummary(summary) +
          formatAudio(summary, audio) +
          formatSafety(summary, safety) +
          (profile ? '\n' + formatProfile(profile) : ''),
  );
  return summary.status === 'stopped' ? 130 : 0;
}

function formatReport(s: AnalysisSummary, ext: string): string {
  if (ext === '.json') return JSON.stringify(s, null, 2) + '\n';
  return toCsv(
    [
      'source_id',
      'track_id',
      'label',
      'start',
      'end',
      'media_start',
      'media_end',
      'duration_s',
      'frames',
      'score',
    ],
    s.tracks.map((t) => [
      s.sourceId,
      t.trackId,
      t.label,
      iso(t.startTs),
      iso(t.endTs),
      mediaTime(t.startTs - s.epochMs),
      mediaTime(t.endTs - s.epochMs),
      ((t.endTs - t.startTs) / 1000).toFixed(1),
      t.frames,
      t.score.toFixed(3),
    ]),
  );
}

function formatSummary(s: AnalysisSummary): string {
  const labels = [...new Set([...Object.keys(s.detectionsByClass), ...Object.keys(s.tracksByClass)])].sort(
    (a, b) => (s.tracksByClass[b] ?? 0) - (s.tracksByClass[a] ?? 0) || a.localeCompare(b),
  );
  const rows = labels.map((l) => [l, s.tracksByClass[l] ?? 0, s.detectionsByClass[l] ?? 0]);
  return (
    `source ${s.sourceId} (${s.source}) ${s.status}\n` +
    `${s.frames} frames at ${s.fps} fps over ${mediaTime(s.mediaMs)} of media in ${(s.wallMs / 1000).toFixed(1)} s: ` +
    `${s.analysisFps.toFixed(1)} fps analysed, ${s.realtimeFactor.toFixed(1)}x realtime` +
    (s.droppedFrames > 0 ? `, ${s.droppedFrames} frames dropped` : '') +
    `\nmodel ${s.model.id} on ${s.model.executionProviders.join('/')}, ${s.windows} windows, ${s.tracks.length} tracks\n` +
    (s.faces
      ? `faces: ${s.faces.faces} (${s.faces.goodFaces} good) in ${s.faces.appearances} appearances of ` +
        `${s.faces.persons.length} persons${s.faces.persons.length ? ` (${s.faces.persons.join(', ')})` : ''}\n`
      : '') +
    (s.shots > 0 ? `shots: ${s.shots}\n` : '') +
    '\n' +
    (rows.length > 0 ? toTable(['class', 'tracks', 'detections'], rows) : 'nothing detected\n')
  );
}

/** What the safety analyzers concluded: rule events, and the quarantine if the age gate tripped. */
interface SafetyReport {
  readonly safetyEvents: readonly SafetyEventRecord[];
  readonly quarantine: QuarantineRecord | null;
}

async function safetyReport(store: Store, s: AnalysisSummary): Promise<SafetyReport> {
  const [safetyEvents, quarantine] = await Promise.all([
    s.analyzers.includes('safety')
      ? store.listSafetyEvents({ sourceId: s.sourceId, limit: 10_000 })
      : Promise.resolve([]),
    s.analyzers.includes('nsfw') ? store.getQuarantine(s.sourceId) : Promise.resolve(null),
  ]);
  return { safetyEvents: [...safetyEvents].sort((a, b) => a.startTs - b.startTs), quarantine };
}

function formatSafety(s: AnalysisSummary, r: SafetyReport): string {
  const lines: string[] = [];
  if (r.quarantine) {
    lines.push(`QUARANTINED (${r.quarantine.code}): ${r.quarantine.reason}; no pictures of it are served`);
  }
  if (s.analyzers.includes('safety')) {
    lines.push(`safety events: ${r.safetyEvents.length}`);
    for (const e of r.safetyEvents.slice(0, 20)) {
      const span = `${mediaTime(e.startTs - s.epochMs)}–${mediaTime(e.endTs - s.epochMs)}`;
      lines.push(`  [${span}] ${e.severity} ${e.rule} (score ${e.score.toFixed(2)})`);
    }
    if (r.safetyEvents.length > 20) lines.push(`  … ${r.safetyEvents.length - 20} more (Safety page)`);
  }
  return lines.length > 0 ? '\n' + lines.join('\n') + '\n' : '';
}

/** What was heard: the transcript and the sound events, read back from the store. */
interface AudioReport {
  readonly transcript: readonly TranscriptSegmentRecord[];
  readonly soundEvents: readonly AudioEventRecord[];
}

async function audioReport(store: Store, s: AnalysisSummary): Promise<AudioReport> {
  if (!s.audio) return { transcript: [], soundEvents: [] };
  const [transcript, soundEvents] = await Promise.all([
    store.listTranscript({ sourceId: s.sourceId, limit: 10_000 }),
    store.listAudioEvents({ sourceId: s.sourceId, limit: 10_000 }),
  ]);
  return { transcript, soundEvents };
}

function formatAudio(s: AnalysisSummary, a: AudioReport): string {
  const lines: string[] = [];
  for (const f of s.analyzerFailures) lines.push(`analyzer ${f.analyzer} stopped: ${f.code}: ${f.message}`);
  if (s.audio) {
    const byLabel = new Map<string, number>();
    for (const e of a.soundEvents) byLabel.set(e.label, (byLabel.get(e.label) ?? 0) + 1);
    lines.push(
      `sound events: ${a.soundEvents.length}` +
        (byLabel.size ? ` (${[...byLabel].map(([l, n]) => `${l} ${n}`).join(', ')})` : ''),
    );
    if (a.transcript.length > 0) {
      lines.push(`transcript (${a.transcript[0]!.engine}, ${a.transcript.length} segments):`);
      for (const t of a.transcript.slice(0, 20)) {
        const who = t.speakerId ? ` ${t.speakerId}` : '';
        lines.push(`  [${mediaTime(t.startTs - s.epochMs)}${who}] ${t.text}`);
      }
      if (a.transcript.length > 20)
        lines.push(`  … ${a.transcript.length - 20} more (aima transcript ${s.sourceId})`);
    } else lines.push('transcript: no speech recognised');
  }
  return lines.length > 0 ? '\n' + lines.join('\n') + '\n' : '';
}
