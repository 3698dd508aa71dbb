import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker, startControlPlane, type ControlPlane, type WorkerProcess } from './workers-helpers.ts';

const CLIP = path.join(process.env.AIMA_MEDIA_DIR ?? '', 'video/short_hamilton_clip.mp4');

// Faces on a worker: embeddings (Float32Array) cross the socket to the control plane's persons
// service, which clusters them with the installation's own data; the worker holds no gallery.
describe('faces on an aima worker process', () => {
  let cp: ControlPlane;
  let worker: WorkerProcess;
  beforeAll(async () => {
    cp = await startControlPlane({ local: true, faces: true });
    const { token } = await cp.hub.createJoinToken();
    worker = spawnWorker(cp.url, token, 'faces', { AIMA_FACES: 'on' });
    await worker.joined;
  });
  afterAll(async () => {
    await worker?.stop();
    await cp?.close();
  });

  it('stores the same faces and appearances as in process, persons assigned on the control plane', async () => {
    const add = async (id: string, kind: 'local' | 'workers') => {
      await cp.manager.add({
        input: CLIP,
        fps: 2,
        realtime: false,
        id,
        analyzers: ['detect', 'faces'],
        placement: { kind },
      });
      const v = await cp.manager.settled(id);
      expect(v?.status, worker.output()).toBe('done');
      const s = cp.runtime.store;
      return {
        faces: (await s.listFaces({ sourceId: id })).length,
        appearances: await s.listAppearances({ sourceId: id }),
      };
    };
    const local = await add('faces-local', 'local');
    const remote = await add('faces-remote', 'workers');
    expect(local.faces).toBeGreaterThan(0);
    expect(remote.faces).toBe(local.faces);
    expect(remote.appearances.length).toBe(local.appearances.length);
    // The remote appearances went to persons of this installation (the local run's, mostly).
    const persons = new Set((await cp.runtime.store.listPersons()).map((p) => p.id));
    for (const a of remote.appearances) if (a.personId) expect(persons.has(a.personId)).toBe(true);
    expect(remote.appearances.some((a) => a.personId !== '')).toBe(true);
  });
});
