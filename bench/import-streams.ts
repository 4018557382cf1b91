/**
 * The writers and readers of bench/import.bench.ts, in a process of their own
 * so that the bench's event loop does not skew them. Open loop: a request goes
 * out on its tick whether or not the earlier ones were answered, so a writer
 * that waits behind the import shows as latency, not as fewer requests.
 *
 * - writers (BENCH_WRITES_PER_S, default 20): code issuance and cash letters
 *   alternating, each letter paying a code issued before;
 * - readers (BENCH_READS_PER_S, default 25): balance reads, every fifth tick /health.
 *
 * Every request has a 5 s timeout. Each sample is tagged with the phase the
 * parent announced when it went out (IPC). At `stop`, the letters without a
 * definite answer are sent again under their Idempotency-Key until they get
 * one, and every writer mailbox's balance must have gone up by exactly the
 * letters credited: a bench that loses (or invents) money fails.
 */
import { randomUUID } from 'node:crypto';
import { addDays, dayOf } from '../src/common/day';

export type Phase = 'setup' | 'warmup' | 'idle' | 'import' | 'after';
export type Kind = 'issue' | 'letter' | 'balance' | 'health';

export interface Setup {
  base: string;
  keys: { webmail: string; staff: string };
  /** Mailboxes the import credits, registered here and read by the readers. */
  readMailboxes: string[];
}

export interface Figures {
  count: number;
  p50: number;
  p99: number;
  max: number;
  /** Answers outside 2xx, network errors and timeouts. */
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
}

export interface StreamsResult {
  figures: Record<string, Record<string, Figures>>;
  money: {
    lettersSent: number;
    lettersCredited: number;
    /** Answered 201 but not credited: each paid a code issued to it, so none should be. */
    lettersUnmatched: number;
    creditedMinor: number;
    balanceGainMinor: number;
    retried: number;
    unsettled: number;
    skippedNoCode: number;
  };
}

const WRITES_PER_S = Number(process.env.BENCH_WRITES_PER_S ?? 20);
const READS_PER_S = Number(process.env.BENCH_READS_PER_S ?? 25);
const TIMEOUT_MS = 5000;
/** How long the letters can go on paying codes issued before the run. */
const STOCK_SECONDS = Number(process.env.BENCH_STOCK_SECONDS ?? 600);
const WRITER_MAILBOXES = 20;
const LETTER_MINOR = 500;
/** A seed credit per writer mailbox: the fee due today is covered before and after. */
const SEED_MINOR = 40_000;

interface Sample {
  phase: Phase;
  kind: Kind;
  ms: number;
  status: number | 'timeout' | 'error';
}

interface Answer {
  status: number | 'timeout' | 'error';
  body: unknown;
}

let phase: Phase = 'setup';
const samples: Sample[] = [];

async function request(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, body };
  } catch (error) {
    const name = (error as { name?: string }).name;
    return {
      status: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'error',
      body: null,
    };
  }
}

async function timed(kind: Kind, send: () => Promise<Answer>): Promise<Answer> {
  const at = phase;
  const started = performance.now();
  const answer = await send();
  samples.push({ phase: at, kind, ms: performance.now() - started, status: answer.status });
  return answer;
}

function figures(list: Sample[]): Figures {
  const ms = list.map((s) => s.ms).sort((a, b) => a - b);
  const at = (q: number) =>
    ms.length === 0 ? 0 : ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)];
  const statuses: Record<string, number> = {};
  for (const s of list) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
  const ok = (s: Sample) => typeof s.status === 'number' && s.status >= 200 && s.status < 300;
  return {
    count: list.length,
    p50: Math.round(at(0.5)),
    p99: Math.round(at(0.99)),
    max: Math.round(ms[ms.length - 1] ?? 0),
    errors: list.filter((s) => !ok(s)).length,
    timeouts: list.filter((s) => s.status === 'timeout').length,
    statuses,
  };
}

async function main(): Promise<void> {
  const setup = await new Promise<Setup>((done) =>
    process.once('message', (m) => done((m as { setup: Setup }).setup)),
  );
  const { base } = setup;
  const as = (role: 'webmail' | 'staff', json = false): Record<string, string> => ({
    authorization: `Bearer ${setup.keys[role]}`,
    ...(json ? { 'content-type': 'application/json' } : {}),
  });
  const must = async (what: string, answer: Promise<Answer>, status: number[]) => {
    const a = await answer;
    if (typeof a.status !== 'number' || !status.includes(a.status))
      throw new Error(`${what} answered ${a.status}: ${JSON.stringify(a.body)}`);
    return a.body as Record<string, unknown>;
  };
  const register = (id: string) =>
    must(
      'registering a mailbox',
      request(`${base}/v1/mailboxes/${id}`, { method: 'PUT', headers: as('webmail') }),
      [200, 201],
    );
  const issue = (id: string) =>
    request(`${base}/v1/mailboxes/${id}/topup-codes`, {
      method: 'POST',
      headers: as('webmail', true),
      body: '{"country":"DE"}',
    });
  // Letters are taken for recent days; yesterday's are what staff enter in the morning.
  const receivedOn = addDays(dayOf(new Date()), -1);
  const letter = (code: string, amountMinor: number, key: string) =>
    request(`${base}/v1/cash-payments`, {
      method: 'POST',
      headers: { ...as('staff', true), 'idempotency-key': key },
      body: JSON.stringify({ code, amountMinor, currency: 'EUR', receivedOn }),
    });
  const balance = async (id: string) => {
    const body = await must(
      'a balance read',
      request(`${base}/v1/mailboxes/${id}`, { method: 'GET', headers: as('webmail') }),
      [200],
    );
    return (body.balance as { amountMinor: number }).amountMinor;
  };

  const writers = Array.from({ length: WRITER_MAILBOXES }, (_, i) => `bench-writer-${i}`);
  for (const id of [...writers, ...setup.readMailboxes]) await register(id);
  for (const id of writers) {
    const code = (await must('issuing a seed code', issue(id), [201])).code as string;
    const seeded = await must('a seed letter', letter(code, SEED_MINOR, randomUUID()), [201]);
    if (seeded.status !== 'credited')
      throw new Error(`a seed letter was ${JSON.stringify(seeded)}`);
  }
  const before = await Promise.all(writers.map(balance));

  // Codes waiting for their letter: a stock issued now, enough for letters
  // throughout a long import even if no issuance is answered, then each issuance's.
  const codes: string[] = [];
  const stock = Math.ceil((WRITES_PER_S / 2) * STOCK_SECONDS);
  for (let i = 0; i < stock; i += 10) {
    const batch = Array.from({ length: Math.min(10, stock - i) }, (_, j) =>
      must('issuing a code', issue(writers[(i + j) % WRITER_MAILBOXES]), [201]),
    );
    for (const body of await Promise.all(batch)) codes.push(body.code as string);
  }

  interface Letter {
    code: string;
    key: string;
    answer?: Answer;
  }
  const letters: Letter[] = [];
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  let skippedNoCode = 0;
  let stopping = false;

  const every = (perSecond: number, tick: (n: number) => void) => {
    const interval = 1000 / perSecond;
    const started = performance.now();
    let n = 0;
    const next = () => {
      if (stopping) return;
      // Catches up on ticks a busy moment delayed: the rate is the rate asked for.
      while (performance.now() >= started + n * interval) tick(n++);
      setTimeout(next, Math.max(0, started + n * interval - performance.now()));
    };
    next();
  };

  process.send!({ ready: true });
  await new Promise<void>((start) => process.once('message', () => start()));
  phase = 'warmup';
  process.on('message', (m) => {
    const message = m as { phase?: Phase; stop?: boolean };
    if (message.phase) phase = message.phase;
    if (message.stop) stopping = true;
  });

  every(WRITES_PER_S, (n) => {
    if (n % 2 === 0) {
      const id = writers[(n / 2) % WRITER_MAILBOXES];
      track(
        timed('issue', () => issue(id)).then((a) => {
          if (a.status === 201) codes.push((a.body as { code: string }).code);
        }),
      );
      return;
    }
    const code = codes.shift();
    if (code === undefined) {
      skippedNoCode++;
      return;
    }
    const l: Letter = { code, key: randomUUID() };
    letters.push(l);
    track(timed('letter', () => letter(code, LETTER_MINOR, l.key)).then((a) => (l.answer = a)));
  });
  every(READS_PER_S, (n) => {
    if (n % 5 === 4) {
      track(timed('health', () => request(`${base}/health`, { method: 'GET' })));
      return;
    }
    const pool = n % 2 === 0 ? setup.readMailboxes : writers;
    const id = pool[Math.floor(n / 2) % pool.length];
    track(
      timed('balance', () =>
        request(`${base}/v1/mailboxes/${id}`, { method: 'GET', headers: as('webmail') }),
      ),
    );
  });

  await new Promise<void>((stop) => {
    const wait = () => (stopping ? stop() : setTimeout(wait, 50));
    wait();
  });
  while (pending.size > 0) await Promise.allSettled([...pending]);

  // A letter without a definite answer may or may not have been recorded: its
  // Idempotency-Key asks again until the service says which.
  const definite = (a?: Answer) =>
    typeof a?.status === 'number' && (a.status === 201 || a.status === 422);
  let retried = 0;
  let unsettled = 0;
  for (const l of letters) {
    for (let attempt = 0; !definite(l.answer) && attempt < 60; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 1000));
      retried++;
      l.answer = await letter(l.code, LETTER_MINOR, l.key);
    }
    if (!definite(l.answer)) unsettled++;
  }
  const credited = letters.filter(
    (l) => l.answer?.status === 201 && (l.answer.body as { status?: string }).status === 'credited',
  );
  const after = await Promise.all(writers.map(balance));
  const gain = after.reduce((sum, b, i) => sum + b - before[i], 0);

  const result: StreamsResult = {
    figures: {},
    money: {
      lettersSent: letters.length,
      lettersCredited: credited.length,
      lettersUnmatched: letters.filter((l) => l.answer?.status === 201).length - credited.length,
      creditedMinor: credited.length * LETTER_MINOR,
      balanceGainMinor: gain,
      retried,
      unsettled,
      skippedNoCode,
    },
  };
  for (const p of ['idle', 'import'] as const) {
    const inPhase = samples.filter((s) => s.phase === p);
    result.figures[p] = {
      writes: figures(inPhase.filter((s) => s.kind === 'issue' || s.kind === 'letter')),
      issue: figures(inPhase.filter((s) => s.kind === 'issue')),
      letter: figures(inPhase.filter((s) => s.kind === 'letter')),
      balance: figures(inPhase.filter((s) => s.kind === 'balance')),
      health: figures(inPhase.filter((s) => s.kind === 'health')),
    };
  }
  process.send!({ result }, () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
