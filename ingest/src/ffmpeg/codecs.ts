import { execFile } from 'node:child_process';

const cache = new Map<string, Promise<ReadonlySet<string>>>();

/**
 * The codecs this ffmpeg can decode, by the names ffprobe reports (`codec_name`). One
 * `-codecs` run per binary, cached. Lets the audio path refuse an undecodable audio stream up
 * front (INGEST_AUDIO_UNSUPPORTED) instead of ffmpeg failing the whole run, video included.
 */
export function decodableCodecs(ffmpeg: string): Promise<ReadonlySet<string>> {
  let found = cache.get(ffmpeg);
  if (found === undefined) {
    found = new Promise((resolve) => {
      execFile(ffmpeg, ['-hide_banner', '-codecs'], { timeout: 10_000, maxBuffer: 8 << 20 }, (_err, stdout) =>
        resolve(parseCodecs(String(stdout))),
      );
    });
    cache.set(ffmpeg, found);
  }
  return found;
}

/** ` DEAIL. aac   AAC (Advanced Audio Coding) ...` → names whose first flag is D. Pure, for tests. */
export function parseCodecs(text: string): ReadonlySet<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^ D[.E][VASDT.][.I][.L][.S] (\S+)/.exec(line);
    if (m?.[1] && m[1] !== '=') out.add(m[1]);
  }
  return out;
}
