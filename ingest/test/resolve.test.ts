import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestError, resolveFfmpeg } from '../index.ts';
import { findFfmpeg } from '../src/ffmpeg/resolve.ts';

let dir: string;
const noBundle = (): null => null;

function fakeBinary(sub: string, name: string): string {
  const file = path.join(dir, sub, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 });
  return file;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aima-ingest-resolve-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('resolveFfmpeg', () => {
  it('finds a working ffmpeg here and caches the answer', () => {
    const paths = resolveFfmpeg();
    expect(fs.existsSync(paths.ffmpeg)).toBe(true);
    expect(fs.existsSync(paths.ffprobe)).toBe(true);
    expect(resolveFfmpeg()).toBe(paths);
  });

  it('prefers FFMPEG_PATH / FFPROBE_PATH', () => {
    const ffmpeg = fakeBinary('env', 'ffmpeg');
    const ffprobe = fakeBinary('env2', 'ffprobe');
    const onPath = fakeBinary('bin', 'ffmpeg');
    fakeBinary('bin', 'ffprobe');
    expect(
      findFfmpeg({ FFMPEG_PATH: ffmpeg, FFPROBE_PATH: ffprobe, PATH: path.dirname(onPath) }, noBundle),
    ).toEqual({
      ffmpeg,
      ffprobe,
      origin: 'env',
    });
  });

  it('takes the ffprobe beside FFMPEG_PATH before the one on PATH', () => {
    const ffmpeg = fakeBinary('pair', 'ffmpeg');
    const ffprobe = fakeBinary('pair', 'ffprobe');
    fakeBinary('bin', 'ffprobe');
    expect(findFfmpeg({ FFMPEG_PATH: ffmpeg, PATH: path.join(dir, 'bin') }, noBundle).ffprobe).toBe(ffprobe);
  });

  it('falls back to PATH, then to the bundled packages', () => {
    fakeBinary('bin', 'ffmpeg');
    fakeBinary('bin', 'ffprobe');
    expect(
      findFfmpeg({ PATH: `/nonexistent${path.delimiter}${path.join(dir, 'bin')}` }, noBundle),
    ).toMatchObject({
      ffmpeg: path.join(dir, 'bin', 'ffmpeg'),
      origin: 'path',
    });
    const bundled = (pkg: string): string =>
      fakeBinary('pkg', pkg.includes('ffprobe') ? 'ffprobe' : 'ffmpeg');
    expect(findFfmpeg({ PATH: '' }, bundled)).toMatchObject({
      ffmpeg: path.join(dir, 'pkg', 'ffmpeg'),
      origin: 'bundled',
    });
  });

  it('uses the real bundled npm binaries when nothing else is there', () => {
    const found = findFfmpeg({ PATH: '' });
    expect(found.origin).toBe('bundled');
    expect(found.ffmpeg).toMatch(/@ffmpeg-installer/);
    expect(found.ffprobe).toMatch(/@ffprobe-installer/);
  });

  it('names every place it looked when nothing is found', () => {
    let caught: unknown;
    try {
      findFfmpeg({ PATH: path.join(dir, 'empty') }, noBundle);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(IngestError);
    const err = caught as IngestError;
    expect(err.code).toBe('INGEST_FFMPEG_NOT_FOUND');
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(/FFMPEG_PATH.*PATH.*@ffmpeg-installer\/ffmpeg/);
  });

  it('does not fall back silently past a broken FFMPEG_PATH', () => {
    expect(() => findFfmpeg({ FFMPEG_PATH: path.join(dir, 'nope'), PATH: '/usr/bin' }, noBundle)).toThrow(
      /FFMPEG_PATH=.*not an executable/,
    );
  });
});
