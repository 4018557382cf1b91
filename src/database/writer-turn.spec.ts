import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { WriterTurn } from './writer-turn';

/** The import thread's side: takes the turn `rounds` times, as its parts do. */
const IMPORT_SIDE = `
const { workerData, parentPort } = require('node:worker_threads');
const { WriterTurn } = require(workerData.module);
const turn = new WriterTurn(workerData.memory, 1);
const inside = new Int32Array(workerData.inside);
const alive = setInterval(() => {}, 1000);
parentPort.postMessage('ready');
parentPort.once('message', async () => {
  let overlaps = 0;
  for (let i = 0; i < workerData.rounds; i++) {
    await turn.acquire();
    if (Atomics.add(inside, 0, 1) !== 0) overlaps++;
    await new Promise((r) => setImmediate(r));
    Atomics.sub(inside, 0, 1);
    turn.release();
  }
  clearInterval(alive);
  parentPort.postMessage({ overlaps });
});
`;

describe('the write turn shared by the service thread and the import thread', () => {
  it('lets one side in at a time, hands over to the side that waits, and never stalls', async () => {
    const turn = new WriterTurn();
    const inside = new SharedArrayBuffer(4);
    const cells = new Int32Array(inside);
    const rounds = 300;
    const worker = new Worker(IMPORT_SIDE, {
      eval: true,
      workerData: {
        module: join(__dirname, 'writer-turn.ts'),
        memory: turn.memory,
        inside,
        rounds,
      },
      execArgv: ['--require', require.resolve('@swc-node/register')],
    });
    worker.once('error', (error) => {
      throw error;
    });
    await new Promise((resolve) => worker.once('message', resolve));
    const theirs = new Promise<{ overlaps: number }>((resolve) => worker.once('message', resolve));
    // Both sides start together.
    worker.postMessage('go');
    let overlaps = 0;
    for (let i = 0; i < rounds; i++) {
      await turn.acquire();
      if (Atomics.add(cells, 0, 1) !== 0) overlaps++;
      await new Promise((r) => setImmediate(r));
      Atomics.sub(cells, 0, 1);
      turn.release();
    }
    const other = await theirs;
    await worker.terminate();
    expect(overlaps + other.overlaps).toBe(0);
  }, 60_000);

  it('hands the turn to the side that waits: the side that let go cannot take it back first', async () => {
    const service = new WriterTurn();
    const importer = new WriterTurn(service.memory, 1);
    const order: string[] = [];
    await importer.acquire();
    const serviceIn = service.acquire().then(() => order.push('service'));
    await new Promise((r) => setTimeout(r, 10));
    expect(importer.otherWaits).toBe(true);
    expect(order).toEqual([]);
    importer.release();
    const importerAgain = importer.acquire().then(() => order.push('importer'));
    await serviceIn;
    expect(order).toEqual(['service']);
    expect(service.otherWaits).toBe(true);
    service.release();
    await importerAgain;
    expect(order).toEqual(['service', 'importer']);
    importer.release();
  });

  it('frees a turn the import thread held when it died, and wakes the service waiting for it', async () => {
    const service = new WriterTurn();
    const importer = new WriterTurn(service.memory, 1);
    await importer.acquire();
    let got = false;
    const waiting = service.acquire().then(() => (got = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toBe(false);
    service.reclaim();
    await waiting;
    expect(got).toBe(true);
    expect(service.otherWaits).toBe(false);
    service.release();
  });
});
