import { execFile } from 'node:child_process';
import type { FfmpegFeatures } from './args.ts';

const cache = new Map<string, Promise<FfmpegFeatures>>();

/**
 * Ask a binary (ffmpeg or ffprobe) which spelling of version-dependent options it understands.
 * The bundled npm ffmpeg is a 2018 build while Debian ships 5.x, and the two disagree on options
 * that matter (`-timeout` on rtsp even flips meaning). One `-h` run per binary, cached.
 */
export function detectFeatures(binary: string): Promise<FfmpegFeatures> {
  let found = cache.get(binary);
  if (found === undefined) {
    found = Promise.all([
      help(binary, ['-h', 'demuxer=rtsp']),
      help(binary, ['-h', 'long']),
      help(binary, ['-h', 'filter=showinfo']),
    ]).then(([rtsp, long, showinfo]) => featuresFromHelp(rtsp, long, showinfo));
    cache.set(binary, found);
  }
  return found;
}

/** Pure part of detectFeatures, for tests. */
export function featuresFromHelp(rtspHelp: string, longHelp: string, showinfoHelp = ''): FfmpegFeatures {
  return {
    rtspTimeout: /^\s*-stimeout\b/m.test(rtspHelp) ? 'stimeout' : 'timeout',
    fpsMode: /^\s*-fps_mode\b/m.test(longHelp),
    showinfoChecksumOption: /^\s*checksum\b/m.test(showinfoHelp),
  };
}

function help(binary: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    // A failing `-h` only costs us the newer spellings; the later real run reports real errors.
    execFile(binary, ['-hide_banner', ...args], { timeout: 10_000, maxBuffer: 4 << 20 }, (_err, stdout) =>
      resolve(String(stdout)),
    );
  });
}
