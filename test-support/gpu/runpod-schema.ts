// RunPod v2 CreatePodRequest, strict (`unevaluatedProperties: false`): unknown fields and wrong
// types are 422 with `errors[]` in RunPod's wording. Cross-field rules are checked by the caller (400).

export interface PodBody {
  readonly name: string;
  readonly image?: string;
  readonly templateId?: string;
  readonly gpu?: { readonly id: string; readonly count?: number; readonly minCudaVersion?: string };
  readonly cpu?: unknown;
  readonly cloud?: 'SECURE' | 'COMMUNITY';
  readonly dataCenterIds?: readonly string[];
  readonly disk?: number;
  readonly ports?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly args?: string;
  readonly mounts?: unknown;
  readonly startSsh?: boolean;
}

type Check = (v: unknown, at: string, errors: string[]) => void;

const str: Check = (v, at, e) => void (typeof v !== 'string' && e.push(`${at}: expected string`));
const bool: Check = (v, at, e) => void (typeof v !== 'boolean' && e.push(`${at}: expected boolean`));
const int =
  (min: number): Check =>
  (v, at, e) =>
    void (
      (typeof v !== 'number' || !Number.isInteger(v) || v < min) &&
      e.push(`${at}: expected integer >= ${min}`)
    );
const strArray: Check = (v, at, e) => {
  if (!Array.isArray(v)) e.push(`${at}: expected array`);
  else v.forEach((x, i) => str(x, `${at}[${i}]`, e));
};
const obj =
  (fields: Readonly<Record<string, Check>>, required: readonly string[] = []): Check =>
  (v, at, e) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      e.push(`${at}: expected object`);
      return;
    }
    const rec = v as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      const check = fields[k];
      if (check === undefined) e.push(`${at}: additional properties '${k}' not allowed`);
      else check(rec[k], `${at}.${k}`, e);
    }
    for (const k of required) if (!(k in rec)) e.push(`${at}: missing property '${k}'`);
  };
const envMap: Check = (v, at, e) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) e.push(`${at}: expected object`);
  else for (const [k, x] of Object.entries(v)) str(x, `${at}.${k}`, e);
};
const any: Check = () => undefined;

const podSchema = obj(
  {
    name: str,
    image: str,
    templateId: str,
    gpu: obj({ id: str, count: int(1), minCudaVersion: str }, ['id']),
    cpu: any,
    cloud: (v, at, e) =>
      void (v !== 'SECURE' && v !== 'COMMUNITY' && e.push(`${at}: must be SECURE or COMMUNITY`)),
    dataCenterIds: strArray,
    disk: int(1),
    ports: strArray,
    env: envMap,
    args: str,
    mounts: any,
    startSsh: bool,
    registry: any,
  },
  ['name'],
);

export function validatePodBody(
  body: unknown,
): { ok: true; body: PodBody } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  podSchema(body, '$', errors);
  return errors.length === 0 ? { ok: true, body: body as PodBody } : { ok: false, errors };
}
