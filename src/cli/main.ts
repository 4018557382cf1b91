#!/usr/bin/env node
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { AppModule } from '../app.module';
import { BankImportModule } from '../bank/bank-import.module';
import { BankImportService } from '../bank/bank-import.service';
import { CamtError } from '../bank/camt';
import { createLogger, NestPinoLogger } from '../common/logger';
import { buildConfig, parseEnv, readEnvironment } from '../config/app-config';
import { withDevelopmentSecrets } from '../config/development-secrets';
import { bankImport } from './bank-import.command';
import { camtInspect } from './camt-inspect.command';
import { feesRun } from './fees-run.command';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { FeesService } from '../fees/fees.service';
import { OpeningBalancesService } from '../mailboxes/opening-balances.service';
import { readFileSync } from 'node:fs';
import { AuditTrail } from '../audit/audit-trail';
import { StaffAccounts } from '../staff/staff-accounts.service';
import { TokenKeys } from '../tokens/token-keys.service';

const USAGE = `usage: billing <command>
  camt inspect <file> [--json]     print a CAMT file's transactions (no database)
  bank import <file|dir>... [--progress]
                                   import bank statements into the configured database
  fees run [--on <day>]            charge the monthly fees due on that day (default today)
  balances import <csv>            opening balances (mailbox id, amount, currency), all or nothing
  staff add <name> --role staff|admin [--locale de|en]
                                   a staff account; prints its one-time enrolment link
  staff disable <name>             end the account and every session of it at once
  staff list                       accounts, roles, status, last sign-in
  audit verify                     check the audit trail's chain; names the first broken record

  tokens rotate                    a new key for every token denomination; old keys still redeem`;

/** The whole service's module, loaded only by the commands that need it. */
function serviceModule(): typeof AppModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- on demand: `bank import` does without it
  return (require('../app.module') as { AppModule: typeof AppModule }).AppModule;
}

type Context = Awaited<ReturnType<typeof NestFactory.createApplicationContext>>;

/**
 * A command's modules, without HTTP: the whole service's (loaded only when a
 * command needs it) or, for `bank import`, only the importer's.
 */
async function withApp<T>(
  work: (app: Context) => Promise<T>,
  modules: 'service' | 'bank-import' = 'service',
): Promise<T> {
  const config = buildConfig(withDevelopmentSecrets(parseEnv(readEnvironment())).env);
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, undefined);
  const root =
    modules === 'bank-import'
      ? BankImportModule.forRoot({ config, logger })
      : serviceModule().forRoot({ config, logger, schedule: false });
  const app = await NestFactory.createApplicationContext(root, {
    logger: new NestPinoLogger(logger),
  });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  const flags = new Set(rest.filter((a) => a.startsWith('--')));
  const args = rest.filter((a) => !a.startsWith('--'));

  if (group === 'camt' && command === 'inspect' && args.length === 1) {
    try {
      await camtInspect(args[0], flags.has('--json'), (line) => process.stdout.write(line + '\n'));
      return 0;
    } catch (error) {
      const message =
        error instanceof CamtError ? error.message : `${args[0]}: ${(error as Error).message}`;
      process.stderr.write(`camt inspect: ${message}\n`);
      return 1;
    }
  }
  if (group === 'bank' && command === 'import' && args.length > 0) {
    return withApp(async (app) => {
      const { report, failures } = await bankImport(
        app.get(BankImportService),
        args,
        process.stderr,
        {
          progressLines: flags.has('--progress'),
        },
      );
      for (const failure of failures)
        process.stderr.write(`bank import: ${failure.file}: ${failure.message}\n`);
      process.stdout.write(JSON.stringify(report) + '\n');
      return failures.length > 0 ? 1 : 0;
    }, 'bank-import');
  }
  if (group === 'fees' && command === 'run') {
    const on = rest.findIndex((a) => a === '--on' || a.startsWith('--on='));
    if (on >= 0 && rest[on] === '--on' && rest[on + 1] === undefined) {
      process.stderr.write('fees run: --on needs a day, YYYY-MM-DD\n');
      return 2;
    }
    return withApp(async (app) => {
      const day =
        on < 0
          ? app.get(Clock).today()
          : rest[on] === '--on'
            ? rest[on + 1]
            : rest[on].slice('--on='.length);
      const outcome = await feesRun(app.get(FeesService), day);
      if (!outcome.ok) {
        process.stderr.write(`fees run: ${outcome.message}\n`);
        return 1;
      }
      process.stdout.write(JSON.stringify(outcome.run) + '\n');
      return 0;
    });
  }
  if (group === 'balances' && command === 'import' && args.length === 1) {
    let csv: string;
    try {
      csv = readFileSync(args[0], 'utf8');
    } catch (error) {
      process.stderr.write(`balances import: ${args[0]}: ${(error as Error).message}\n`);
      return 1;
    }
    return withApp(async (app) => {
      try {
        const report = await app.get(OpeningBalancesService).import(csv);
        process.stdout.write(JSON.stringify(report) + '\n');
        return 0;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        for (const problem of error.errors ?? [])
          process.stderr.write(`balances import: ${problem.path}: ${problem.message}\n`);
        process.stderr.write(`balances import: ${error.message}\n`);
        return 1;
      }
    });
  }
  if (group === 'staff' || (group === 'audit' && command === 'verify')) {
    const outcome = await staffCommand(group, command, rest);
    if (outcome !== undefined) return outcome;
  }
  if (group === 'tokens' && command === 'rotate' && args.length === 0) {
    return withApp(async (app) => {
      const outcome = await app.get(TokenKeys).rotate();
      process.stdout.write(JSON.stringify(outcome) + '\n');
      return 0;
    });
  }
  process.stderr.write(USAGE + '\n');
  return 2;
}

/** `staff …` and `audit verify` (src/staff, src/audit); undefined: not one of them. */
async function staffCommand(
  group: string,
  command: string | undefined,
  rest: string[],
): Promise<number | undefined> {
  const option = (name: string) => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const name = rest[0];
  if (group === 'audit') {
    return withApp(async (app) => {
      const check = await app.get(AuditTrail).verify();
      if (check.ok) {
        process.stdout.write(`audit verify: ${check.records} records, the chain holds\n`);
        return 0;
      }
      process.stdout.write(
        `audit verify: record ${check.brokenAt} of ${check.records} breaks the chain: ${check.reason}\n`,
      );
      return 1;
    });
  }
  if (command === 'add' && name && !name.startsWith('--')) {
    const role = option('role');
    const locale = option('locale') ?? 'de';
    if ((role !== 'staff' && role !== 'admin') || (locale !== 'de' && locale !== 'en')) {
      process.stderr.write('staff add: --role staff|admin is required; --locale is de or en\n');
      return 2;
    }
    return withApp(async (app) => {
      try {
        const { link } = await app.get(StaffAccounts).add(name, role, locale);
        process.stdout.write(`${name} (${role}): enrol once, within 72 hours, at\n${link}\n`);
        return 0;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        process.stderr.write(`staff add: ${error.message}\n`);
        return 1;
      }
    });
  }
  if (command === 'disable' && name) {
    return withApp(async (app) => {
      if (await app.get(StaffAccounts).disable(name)) {
        process.stdout.write(`${name} is disabled; its sessions have ended\n`);
        return 0;
      }
      process.stderr.write(`staff disable: no account ${name}\n`);
      return 1;
    });
  }
  if (command === 'list') {
    return withApp(async (app) => {
      for (const a of await app.get(StaffAccounts).list())
        process.stdout.write(
          `${a.name}\t${a.role}\t${a.locale}\t${a.status}\t${a.lastSignInAt ?? 'never signed in'}\n`,
        );
      return 0;
    });
  }
  return undefined;
}

if (require.main === module) {
  // `camt inspect … | head` closes the pipe early; that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  run(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`billing: ${(error as Error)?.message ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
