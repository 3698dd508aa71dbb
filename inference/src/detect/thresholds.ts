import { InferenceError } from '../errors.ts';

export interface ThresholdConfig {
  /** Default minimum score (0..1). */
  readonly scoreThreshold: number;
  /** Per-class overrides by label. */
  readonly classThresholds?: Readonly<Record<string, number>>;
  /** Only these labels are reported (all when omitted). */
  readonly classes?: readonly string[];
}

/** One threshold per class id; classes filtered out get +Infinity. Unknown labels are an error. */
export function buildThresholds(labels: readonly string[], cfg: ThresholdConfig): Float32Array {
  const index = new Map(labels.map((l, i) => [l, i]));
  const unknown = [...(cfg.classes ?? []), ...Object.keys(cfg.classThresholds ?? {})].filter(
    (l) => !index.has(l),
  );
  if (unknown.length > 0) {
    throw new InferenceError(
      'INFER_UNKNOWN_CLASS',
      `unknown class name '${unknown[0]}' (the model knows ${labels.length} classes, e.g. ${labels.slice(0, 5).join(', ')})`,
    );
  }
  const t = new Float32Array(labels.length).fill(cfg.classes ? Infinity : cfg.scoreThreshold);
  for (const l of cfg.classes ?? []) t[index.get(l)!] = cfg.scoreThreshold;
  for (const [l, v] of Object.entries(cfg.classThresholds ?? {})) {
    if (!(v >= 0 && v <= 1))
      throw new InferenceError('INFER_BAD_CONFIG', `threshold for '${l}' must be within 0..1, got ${v}`);
    if (!cfg.classes || cfg.classes.includes(l)) t[index.get(l)!] = v;
  }
  return t;
}
