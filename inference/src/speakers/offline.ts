// Files with a pyannote segmentation model: sherpa-onnx's offline diarization (segmentation,
// per-chunk embeddings, clustering) over a whole run of audio. Its speaker indices are local to
// the run; the analyzer maps them onto the source's speakers through their voice embeddings.
import { InferenceError } from '../errors.ts';
import { loadSherpa } from '../asr/sherpa/addon.ts';
import { loadSpeakerModelMeta, readOnnxMetadata } from './model-meta.ts';
import { readFile } from 'node:fs/promises';

/** One turn of a run, seconds from the run's first sample; `speaker` is local to the run. */
export interface OfflineSegment {
  readonly start: number;
  readonly end: number;
  readonly speaker: number;
}

export interface OfflineDiarizer {
  /** Blocking native call (whole run); use it at finish() or a gap. */
  process(samples: Float32Array): OfflineSegment[];
}

interface SherpaDiarization {
  readonly sampleRate: number;
  process(samples: Float32Array): Array<{ start: number; end: number; speaker: number }>;
}

// Keys sherpa-onnx's pyannote loader reads; a missing one makes it exit() the process.
const PYANNOTE_KEYS = [
  'sample_rate',
  'window_size',
  'receptive_field_size',
  'receptive_field_shift',
  'num_speakers',
  'powerset_max_classes',
  'num_classes',
] as const;

export async function createOfflineDiarizer(opts: {
  readonly segmentationPath: string;
  readonly embeddingPath: string;
  readonly label: string;
  /** Cosine similarity for one speaker (sherpa's clustering takes the distance, 1 - it). */
  readonly threshold: number;
}): Promise<OfflineDiarizer> {
  await loadSpeakerModelMeta(opts.embeddingPath, opts.label);
  const meta = readOnnxMetadata(await readFile(opts.segmentationPath));
  for (const k of PYANNOTE_KEYS) {
    if (!/^\d+$/.test(meta.get(k) ?? ''))
      throw new InferenceError(
        'MODEL_LOAD_FAILED',
        `segmentation model ${opts.label}: metadata '${k}' missing`,
      );
  }
  const maxClasses = Number(meta.get('powerset_max_classes'));
  if (Number(meta.get('sample_rate')) !== 16000 || maxClasses < 1 || maxClasses > 2)
    throw new InferenceError('MODEL_LOAD_FAILED', `segmentation model ${opts.label}: unsupported metadata`);
  const sherpa = loadSherpa() as unknown as {
    OfflineSpeakerDiarization: new (c: unknown) => SherpaDiarization;
  };
  let sd: SherpaDiarization;
  try {
    sd = new sherpa.OfflineSpeakerDiarization({
      segmentation: { pyannote: { model: opts.segmentationPath }, numThreads: 1, debug: 0, provider: 'cpu' },
      embedding: { model: opts.embeddingPath, numThreads: 1, debug: 0, provider: 'cpu' },
      clustering: { numClusters: -1, threshold: 1 - opts.threshold },
      minDurationOn: 0.3,
      minDurationOff: 0.5,
    });
  } catch (err) {
    throw new InferenceError('MODEL_LOAD_FAILED', `segmentation model ${opts.label}: ${String(err)}`, {
      cause: err,
    });
  }
  return {
    process(samples) {
      try {
        return sd.process(samples).map((s) => ({ start: s.start, end: s.end, speaker: s.speaker }));
      } catch (err) {
        throw new InferenceError('INFER_FAILED', `offline diarization failed: ${String(err)}`, {
          cause: err,
        });
      }
    },
  };
}
