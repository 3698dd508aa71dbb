// One stable colour per class, the same on boxes, trails, toggles and timelines.

const FIXED: Readonly<Record<string, string>> = {
  person: '#f59e0b',
  car: '#3b82f6',
  truck: '#06b6d4',
  bus: '#8b5cf6',
  bicycle: '#22c55e',
  motorcycle: '#ec4899',
  dog: '#ef4444',
  cat: '#f97316',
};

const PALETTE = [
  '#14b8a6',
  '#eab308',
  '#6366f1',
  '#84cc16',
  '#f43f5e',
  '#0ea5e9',
  '#d946ef',
  '#10b981',
  '#fb923c',
  '#a3e635',
];

function hashColor(key: string): string {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return PALETTE[(h >>> 0) % PALETTE.length]!;
}

/** #rrggbb for a class label; unknown labels hash into a fixed palette. */
export function classColor(label: string): string {
  return FIXED[label] ?? hashColor(label);
}

/** Faces nobody is known for yet. */
export const UNKNOWN_FACE_COLOR = '#e5e7eb';

/** One stable colour per person id, on face boxes in every view. */
export function personColor(personId: string): string {
  return personId === '' ? UNKNOWN_FACE_COLOR : hashColor(`person:${personId}`);
}

export function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Black or white, whichever reads better on `hex`. */
export function textOn(hex: string): string {
  const [r, g, b] = hexToRgb(hex);
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? '#111' : '#fff';
}
