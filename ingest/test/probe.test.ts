import { describe, expect, it } from 'vitest';
import { parseSource, probe } from '../index.ts';
import { toProbeResult } from '../src/probe.ts';
import { jfk, photo, vtest } from './helpers/media.ts';

describe('probe', () => {
  it('describes vtest.mp4', async () => {
    const info = await probe(parseSource(vtest));
    expect(info.formatName).toContain('mp4');
    expect(info.durationMs).toBeGreaterThan(79_000);
    expect(info.durationMs).toBeLessThan(80_000);
    expect(info.sizeBytes).toBe(3_558_640);
    expect(info.video).toMatchObject({ codec: 'h264', width: 480, height: 360, fps: 10, frames: 795 });
    expect(info.video?.pixelFormat).toBe('yuv420p');
    expect(info.audio).toMatchObject({ codec: 'aac', sampleRate: 44_100, channels: 2 });
  });

  it('describes an audio-only file without complaint', async () => {
    const info = await probe(parseSource(jfk));
    expect(info.video).toBeNull();
    expect(info.audio).toMatchObject({ codec: 'pcm_s16le', sampleRate: 16_000, channels: 1 });
    expect(info.durationMs).toBe(11_000);
  });

  it('sees a still image as a one-picture video stream', async () => {
    const info = await probe(parseSource(photo));
    expect(info.video?.codec).toBe('mjpeg');
    expect(info.audio).toBeNull();
  });

  it('honours an already aborted signal', async () => {
    await expect(probe(parseSource(vtest), { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'INGEST_ABORTED',
      exitCode: 130,
    });
  });
});

describe('toProbeResult', () => {
  const base = { format: { format_name: 'mov,mp4', duration: '12.5', size: '1000' } };

  it('swaps width and height for quarter-turn rotated video (ffmpeg autorotates)', () => {
    const json = {
      ...base,
      streams: [
        {
          index: 0,
          codec_type: 'video',
          width: 1920,
          height: 1080,
          avg_frame_rate: '30000/1001',
          side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }],
        },
      ],
    };
    const { info } = toProbeResult(json, false);
    expect(info.video).toMatchObject({ width: 1080, height: 1920 });
    expect(info.video?.fps).toBeCloseTo(29.97, 2);
    expect(info.durationMs).toBe(12_500);
  });

  it('ignores cover art, falls back to r_frame_rate and nulls what is unknown', () => {
    const json = {
      format: { format_name: 'mp3', duration: 'N/A' },
      streams: [
        { index: 0, codec_type: 'audio', codec_name: 'mp3', sample_rate: '44100', channels: 2 },
        { index: 1, codec_type: 'video', codec_name: 'png', disposition: { attached_pic: 1 } },
      ],
    };
    const { info, stillImage } = toProbeResult(json, false);
    expect(info.video).toBeNull();
    expect(stillImage).toBe(false);
    expect(info.durationMs).toBeNull();
    expect(info.sizeBytes).toBeNull();
    const live = toProbeResult(
      { ...base, streams: [{ index: 0, codec_type: 'video', avg_frame_rate: '0/0', r_frame_rate: '25/1' }] },
      true,
    );
    expect(live.info.durationMs).toBeNull();
    expect(live.info.video).toMatchObject({ fps: 25, frames: null, pixelFormat: null });
  });

  it('prefers the default stream and flags image demuxers as still images', () => {
    const json = {
      format: { format_name: 'png_pipe' },
      streams: [
        { index: 0, codec_type: 'video', width: 10, height: 10 },
        { index: 1, codec_type: 'video', width: 20, height: 20, disposition: { default: 1 } },
      ],
    };
    const r = toProbeResult(json, false);
    expect(r.info.video?.index).toBe(1);
    expect(r.stillImage).toBe(true);
  });
});
