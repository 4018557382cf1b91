/** Who holds the turn: nobody, the service's thread, or the import thread. */
const FREE = 0;
const OWNER = 0;
/** Per side: 1 while that side waits for the turn. */
const WAITING = [1, 2];

export type Side = 0 | 1;
/** The longest a waiting side goes without looking again. */
const RECHECK_MS = 50;
const SIDE_ID = [1, 2];

/**
 * SQLite's one write lock, shared between the service's thread and the bank
 * import's thread of one process, so that neither ever calls BEGIN IMMEDIATE
 * while the other holds the lock: better-sqlite3 would wait for it in SQLite's
 * busy handler and block its whole thread (the service's: every request).
 * Waiting here is asynchronous (Atomics.waitAsync). A side that lets go while
 * the other waits hands the turn over, so a long import cannot take it back
 * before a waiting request had its group commit.
 */
export class WriterTurn {
  private readonly cells: Int32Array;

  /** The shared memory of a turn, or a new one; `side` is this thread's. */
  constructor(
    readonly memory: SharedArrayBuffer = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT),
    private readonly side: Side = 0,
  ) {
    this.cells = new Int32Array(memory);
  }

  /** True while the other side waits for the turn: time to end a long write. */
  get otherWaits(): boolean {
    return Atomics.load(this.cells, WAITING[1 - this.side]) === 1;
  }

  async acquire(): Promise<void> {
    const me = SIDE_ID[this.side];
    for (;;) {
      const holder = Atomics.compareExchange(this.cells, OWNER, FREE, me);
      // Free, or handed over to us by the side that let go.
      if (holder === FREE || holder === me) {
        Atomics.store(this.cells, WAITING[this.side], 0);
        return;
      }
      Atomics.store(this.cells, WAITING[this.side], 1);
      // Let go before it could see us wait: look again.
      if (Atomics.load(this.cells, OWNER) !== holder) continue;
      // Bounded: a wake-up that comes while the thread's loop is idle may be late.
      const wait = Atomics.waitAsync(this.cells, OWNER, holder, RECHECK_MS);
      if (wait.async) await wait.value;
    }
  }

  /** The other side's thread is gone: a turn it held, or waited for, is free again. */
  reclaim(): void {
    Atomics.store(this.cells, WAITING[1 - this.side], 0);
    if (Atomics.compareExchange(this.cells, OWNER, SIDE_ID[1 - this.side], FREE) !== FREE)
      Atomics.notify(this.cells, OWNER);
  }

  release(): void {
    const other = 1 - this.side;
    const next = Atomics.load(this.cells, WAITING[other]) === 1 ? SIDE_ID[other] : FREE;
    Atomics.store(this.cells, OWNER, next);
    Atomics.notify(this.cells, OWNER);
  }
}

let adopted: WriterTurn | undefined;

/** In a bank import thread, before its database opens: the turn its parent shares. */
export function adoptWriterTurn(memory: SharedArrayBuffer): void {
  adopted = new WriterTurn(memory, 1);
}

/** The import thread's adopted turn; a new one of its own anywhere else. */
export function writerTurnOfThisThread(): WriterTurn {
  return adopted ?? new WriterTurn();
}
