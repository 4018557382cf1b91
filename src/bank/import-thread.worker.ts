import 'reflect-metadata';
import { Writable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Clock } from '../common/clock';
import { Day } from '../common/day';
import { DomainError } from '../common/domain-error';
import { createLogger } from '../common/logger';
import { buildConfig } from '../config/app-config';
import { Env } from '../config/config.schema';
import { adoptWriterTurn, writerTurnOfThisThread } from '../database/writer-turn';
import { Metrics } from '../metrics/metrics';
import { BankImportModule } from './bank-import.module';
import { BankImportService } from './bank-import.service';
import type { FromImportThread, ImportThreadData, ToImportThread } from './import-thread';

/** Today as the service's thread sees it when it hands a job over (tests move it). */
class HandedClock extends Clock {
  day?: Day;
  override today(): Day {
    return this.day ?? super.today();
  }
}

/** Payments taken, summed and sent to the service's thread, which serves the metrics. */
class MetricsRelay {
  private taken = new Map<string, { count: number; amountMinor: number }>();

  constructor(private readonly session: number) {}

  paymentTaken(channel: string, outcome: string, amountMinor: number): void {
    const key = `${channel}|${outcome}`;
    const sum = this.taken.get(key) ?? { count: 0, amountMinor: 0 };
    sum.count++;
    sum.amountMinor += Math.max(0, amountMinor);
    this.taken.set(key, sum);
  }

  flush(): void {
    if (this.taken.size === 0) return;
    send({
      kind: 'taken',
      session: this.session,
      taken: [...this.taken].map(([key, sum]) => ({
        key,
        count: sum.count,
        amountMinor: sum.amountMinor,
      })),
    });
    this.taken = new Map();
  }
}

interface Session {
  app: INestApplicationContext;
  bank: BankImportService;
  clock: HandedClock;
  metrics: MetricsRelay;
}

const port = parentPort!;
const send = (message: FromImportThread) => port.postMessage(message);
const sessions = new Map<number, Promise<Session>>();
/** Sessions open one at a time: each adopts its turn while its database opens. */
let opening: Promise<unknown> = Promise.resolve();

/** One service's importer: its configuration, database and write turn. */
async function open(session: number, data: ImportThreadData): Promise<Session> {
  const env = Object.fromEntries(
    Object.entries(data.env).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v) : v]),
  ) as Env;
  const config = buildConfig(env);
  // Each line goes to the service's logger: one place to read, and to test.
  const lines = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line !== '') send({ kind: 'log', session, line });
      callback();
    },
  });
  const clock = new HandedClock();
  const metrics = new MetricsRelay(session);
  adoptWriterTurn(data.turn);
  // Opening the database may write (migrations, a checkpoint): in turn, as every write.
  const turn = writerTurnOfThisThread();
  await turn.acquire();
  const app = await NestFactory.createApplicationContext(
    BankImportModule.forRoot({
      config,
      logger: createLogger(config.logLevel, lines),
      overrides: [
        { provide: Clock, useValue: clock },
        { provide: Metrics, useValue: metrics },
      ],
    }),
    { logger: false },
  ).finally(() => turn.release());
  return { app, bank: app.get(BankImportService), clock, metrics };
}

/** Answers every import, 'done' or 'failed': an unknown or unopened session fails it too. */
async function importFor(message: Extract<ToImportThread, { kind: 'import' }>): Promise<void> {
  let session: Session | undefined;
  try {
    session = await sessions.get(message.session);
    if (!session) throw new Error(`no session ${message.session} is open on the import thread`);
    session.clock.day = message.today;
    const report = await session.bank.importFiles(message.files);
    session.metrics.flush();
    send({ kind: 'done', id: message.id, report });
  } catch (error) {
    session?.metrics.flush();
    send({ kind: 'failed', id: message.id, error: describe(error) });
  }
}

async function close(session: number): Promise<void> {
  const opened = sessions.get(session);
  sessions.delete(session);
  const { app, metrics } = (await opened?.catch(() => undefined)) ?? {};
  metrics?.flush();
  await app?.close();
  send({ kind: 'closed', session });
}

// A wait for the write turn alone does not keep a thread's event loop alive.
setInterval(() => {
  for (const session of sessions.values())
    void session.then(
      (s) => s.metrics.flush(),
      () => {},
    );
}, 1000);

port.on('message', (message: ToImportThread) => {
  switch (message.kind) {
    case 'open': {
      const opened = opening.then(() => open(message.session, message.data));
      opening = opened.catch(() => undefined);
      sessions.set(message.session, opened);
      opened.then(
        () => send({ kind: 'opened', session: message.session }),
        (error: unknown) =>
          send({ kind: 'open-failed', session: message.session, error: describe(error) }),
      );
      return;
    }
    case 'import':
      void importFor(message);
      return;
    case 'close':
      void close(message.session);
  }
});

/** An error as plain data: a domain error keeps what its answer is made of. */
function describe(error: unknown): Extract<FromImportThread, { kind: 'failed' }>['error'] {
  if (error instanceof DomainError)
    return {
      name: error.name,
      message: error.message,
      domain: { slug: error.slug, status: error.status, title: error.title, errors: error.errors },
    };
  return { name: (error as Error)?.name ?? 'Error', message: String((error as Error)?.message) };
}
