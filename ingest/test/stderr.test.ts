import { describe, expect, it } from 'vitest';
import { classifyStderr, cleanLine, parseShowinfo, StderrLog } from '../src/ffmpeg/stderr.ts';
import { PtsTracker } from '../src/pts-tracker.ts';

const file = { network: false };
const net = { network: true };

describe('classifyStderr', () => {
  it.each([
    [file, ['[error] /m/x.mp4: No such file or directory'], 'INGEST_FILE_NOT_FOUND'],
    [
      file,
      [
        '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1] [error] moov atom not found',
        '[error] t.mp4: Invalid data found when processing input',
      ],
      'INGEST_NOT_MEDIA',
    ],
    [
      { network: false, isoBmff: true },
      [
        '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1] [error] moov atom not found',
        '[error] t.mp4: Invalid data found when processing input',
      ],
      'INGEST_TRUNCATED',
    ],
    // A cut-off faststart file also says "Invalid data found"; the truncation wins.
    [
      file,
      [
        '[mov,mp4 @ 0x5] [error] stream 0, offset 0x7248d: partial file',
        '[error] Error while decoding stream #0:0: Invalid data found when processing input',
      ],
      'INGEST_TRUNCATED',
    ],
    [
      net,
      ['[tcp @ 0x1] [error] Connection to tcp://127.0.0.1:9 failed: Connection refused'],
      'INGEST_UNREACHABLE',
    ],
    [
      net,
      ['[tcp @ 0x1] [error] Failed to resolve hostname nope.invalid: Name or service not known'],
      'INGEST_UNREACHABLE',
    ],
    [
      net,
      ['[http @ 0x1] [error] HTTP error 404 Not Found', '[error] http://h/x: Server returned 404 Not Found'],
      'INGEST_UNREACHABLE',
    ],
    [net, ['[error] srt://127.0.0.1:9: Input/output error'], 'INGEST_UNREACHABLE'],
    [net, ['[rtsp @ 0x1] [error] method DESCRIBE failed: 401 Unauthorized'], 'INGEST_UNREACHABLE'],
    [file, ['[error] /m/x.wav: Input/output error'], 'INGEST_DECODE_FAILED'],
    [file, ['[h264 @ 0x1] [error] something odd'], 'INGEST_DECODE_FAILED'],
  ])('%j %j → %s', (ctx, lines, code) => {
    expect(classifyStderr(lines, ctx).code).toBe(code);
  });

  it('reports the deciding line without ffmpeg prefixes', () => {
    const r = classifyStderr(
      ['[info] Input #0', '[tcp @ 0x55d4] [error] Connection to tcp://h:9 failed: Connection refused'],
      net,
    );
    expect(r.detail).toBe('Connection to tcp://h:9 failed: Connection refused');
    expect(classifyStderr([], file)).toEqual({ code: 'INGEST_DECODE_FAILED', detail: null });
  });

  it('cleans prefixes and whitespace', () => {
    expect(cleanLine('[Parsed_fps_0 @ 0xabc] [warning]   too   many  ')).toBe('too many');
    expect(cleanLine('[error] plain')).toBe('plain');
  });
});

describe('StderrLog', () => {
  it('keeps a bounded tail without showinfo chatter and counts errors over the whole run', () => {
    const log = new StderrLog();
    log.add('[error] early failure');
    for (let i = 0; i < 200; i++) log.add(`[info] line ${i}`);
    log.add('[Parsed_showinfo_2 @ 0x1] [info] n:   0 pts:      0 pts_time:0');
    log.add('');
    expect(log.tail).toHaveLength(64);
    expect(log.tail.at(-1)).toBe('[info] line 199');
    expect(log.errorCount).toBe(1);
  });
});

describe('parseShowinfo', () => {
  it('reads time bases and frame PTS', () => {
    expect(
      parseShowinfo('[Parsed_showinfo_2 @ 0x5620] [info] config in time_base: 1/5, frame_rate: 5/1'),
    ).toEqual({
      type: 'timebase',
      num: 1,
      den: 5,
    });
    expect(
      parseShowinfo(
        '[Parsed_showinfo_2 @ 0x5620] [info] n:  49 pts:     49 pts_time:9.8     pos:   449845 fmt:rgb24',
      ),
    ).toEqual({ type: 'frame', pts: 49, ptsTime: 9.8 });
    expect(parseShowinfo('[Parsed_showinfo_1 @ 0x1] [info] n:   3 pts:NOPTS pts_time:NOPTS pos: -1')).toEqual(
      {
        type: 'frame',
        pts: null,
        ptsTime: null,
      },
    );
    expect(parseShowinfo('[Parsed_showinfo_2 @ 0x5620] [info] color_range:pc color_space:gbr')).toBeNull();
    expect(parseShowinfo('[info] n:   0 pts: 0 pts_time:0 (not from showinfo)')).toBeNull();
  });
});

describe('PtsTracker', () => {
  const frameLine = (pts: number, time: string): string =>
    `[Parsed_showinfo_2 @ 0x1] [info] n: 1 pts: ${pts} pts_time:${time} pos: 1`;

  it('uses the exact integer PTS when the time base is known', async () => {
    const t = new PtsTracker();
    t.onLine('[Parsed_showinfo_2 @ 0x1] [info] config in time_base: 1/90000, frame_rate: 0/0');
    // pts_time has 6 significant digits: 95000.1 would lose 23.4 ms.
    t.onLine(frameLine(8_550_012_106, '95000.1'));
    expect(await t.next()).toBeCloseTo(95_000_134.5111, 3);
  });

  it('pairs lines and frames in order, whichever arrives first', async () => {
    const t = new PtsTracker();
    t.onLine(frameLine(0, '0'));
    expect(await t.next()).toBe(0);
    const waiting = t.next();
    t.onLine(frameLine(1, '0.2'));
    expect(await waiting).toBe(200);
  });

  it('answers null once stderr has ended', async () => {
    const t = new PtsTracker();
    const waiting = t.next();
    t.end();
    expect(await waiting).toBeNull();
    expect(await t.next()).toBeNull();
  });
});
