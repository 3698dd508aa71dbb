import { describe, expect, it } from 'vitest';
import { BoundedQueue } from '../src/bounded-queue.ts';

describe('BoundedQueue', () => {
  it('drop-oldest keeps the newest items and counts the drops', async () => {
    const q = new BoundedQueue<number>(3, 'drop-oldest');
    for (let i = 0; i < 10; i++) q.push(i);
    expect(q.size).toBe(3);
    expect(q.dropped).toBe(7);
    q.end();
    const got: number[] = [];
    for (let r = await q.shift(); !r.done; r = await q.shift()) got.push(r.value);
    expect(got).toEqual([7, 8, 9]);
  });

  it('block makes the producer wait for room and never exceeds capacity', async () => {
    const q = new BoundedQueue<number>(2, 'block');
    const produced: number[] = [];
    const producer = (async () => {
      for (let i = 0; i < 6; i++) {
        await q.waitForSpace();
        expect(q.size).toBeLessThan(2);
        q.push(i);
        produced.push(i);
      }
      q.end();
    })();
    await new Promise((r) => setTimeout(r, 10));
    expect(produced).toEqual([0, 1]);
    const got: number[] = [];
    for (let r = await q.shift(); !r.done; r = await q.shift()) got.push(r.value);
    await producer;
    expect(got).toEqual([0, 1, 2, 3, 4, 5]);
    expect(q.dropped).toBe(0);
  });

  it('refuses a push that skipped waitForSpace under block', () => {
    const q = new BoundedQueue<number>(1, 'block');
    q.push(1);
    expect(() => q.push(2)).toThrow(/full/);
  });

  it('hands an item straight to a waiting consumer', async () => {
    const q = new BoundedQueue<string>(1, 'block');
    const waiting = q.shift();
    q.push('a');
    expect(await waiting).toEqual({ value: 'a', done: false });
    expect(q.size).toBe(0);
  });

  it('end(error) delivers buffered items first, then the error', async () => {
    const q = new BoundedQueue<number>(4, 'block');
    q.push(1);
    q.end(new Error('boom'));
    expect(await q.shift()).toEqual({ value: 1, done: false });
    await expect(q.shift()).rejects.toThrow('boom');
  });

  it('abort discards items and wakes both sides', async () => {
    const q = new BoundedQueue<number>(1, 'block');
    q.push(1);
    const space = q.waitForSpace();
    q.abort(new Error('stop'));
    await space;
    await expect(q.shift()).rejects.toThrow('stop');
    q.push(2); // ignored after close
    expect(q.size).toBe(0);

    const q2 = new BoundedQueue<number>(1, 'drop-oldest');
    const pending = q2.shift();
    q2.abort();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it('stays compact over many items', async () => {
    const q = new BoundedQueue<number>(8, 'drop-oldest');
    for (let i = 0; i < 10_000; i++) {
      q.push(i);
      if (i % 3 === 0) await q.shift();
    }
    expect(q.size).toBe(7); // 9999 % 3 === 0: the last push was followed by a shift
    q.end();
    const rest: number[] = [];
    for (let r = await q.shift(); !r.done; r = await q.shift()) rest.push(r.value);
    expect(rest).toEqual([9993, 9994, 9995, 9996, 9997, 9998, 9999]);
  });

  it('rejects a capacity below one', () => {
    expect(() => new BoundedQueue<number>(0, 'block')).toThrow(RangeError);
  });
});
