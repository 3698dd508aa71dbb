// Media-time text for file sources' range inputs: "1:05.5", "65.5" or "1:02:03".

/** ms from "h:mm:ss(.f)", "m:ss(.f)" or plain seconds; undefined when empty or malformed. */
export function parseMediaTime(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+(:\d{1,2}){0,2}(\.\d+)?$/.test(t)) return undefined;
  let s = 0;
  for (const p of t.split(':')) s = s * 60 + Number(p);
  return Math.round(s * 1000);
}

/** m:ss(.f), to the tenth of a second. */
export function formatMediaTimeInput(ms: number): string {
  const tenths = Math.max(0, Math.round(ms / 100));
  const m = Math.floor(tenths / 600);
  const sec = (tenths - m * 600) / 10;
  const text = sec.toFixed(1).replace(/\.0$/, '');
  return `${m}:${sec < 10 ? '0' : ''}${text}`;
}
