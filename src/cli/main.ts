#!/usr/bin/env node
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Command, CommanderError, Option } from 'commander';
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
import type { StaffLocale, StaffRole } from '../auth/staff-principal';

/** What a run ends with; `--help` of every command lists them too. */
export const EXIT_CODES = `exit codes:
  0  done
  1  the command ran and failed: a file it could not import, a refused line, a broken chain, a lock held elsewhere
  2  not understood: an unknown command or option, a missing or extra argument (nothing was done)`;

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

/** Thrown by an action to end the run with a code of its own (after it wrote why). */
class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/**
 * The command line, on commander: every command and option is declared once,
 * so `--help` lists them and anything undeclared is refused by name.
 */
export function program(): Command {
  const cli = new Command('billing')
    .description('Anonymous prepaid billing: the commands beside the service')
    .exitOverride()
    .showSuggestionAfterError();
  // Subcommands copy these settings from their parent when they are declared.
  const group = (name: string, description: string) => cli.command(name).description(description);
  const ok = (code: number) => {
    if (code !== 0) throw new Exit(code);
  };

  group('camt', 'read CAMT files without the database')
    .command('inspect')
    .description("print a CAMT file's transactions (no database)")
    .argument('<file>', 'a camt.052, camt.053 or camt.054 file')
    .option('--json', 'one NDJSON line per transaction detail')
    .action(async (file: string, options: { json?: boolean }) => {
      try {
        await camtInspect(file, options.json === true, (line) => process.stdout.write(line + '\n'));
      } catch (error) {
        const message =
          error instanceof CamtError ? error.message : `${file}: ${(error as Error).message}`;
        process.stderr.write(`camt inspect: ${message}\n`);
        ok(1);
      }
    });

  group('bank', 'bank statements')
    .command('import')
    .description('import bank statements into the configured database, each file whole or not')
    .argument('<paths...>', 'files, or folders whose files are imported in name order')
    .option('--progress', 'a line per progress step on stderr (a bar on a terminal anyway)')
    .action(async (paths: string[], options: { progress?: boolean }) =>
      ok(
        await withApp(async (app) => {
          const { report, failures } = await bankImport(
            app.get(BankImportService),
            paths,
            process.stderr,
            { progressLines: options.progress === true },
          );
          for (const failure of failures)
            process.stderr.write(`bank import: ${failure.file}: ${failure.message}\n`);
          process.stdout.write(JSON.stringify(report) + '\n');
          return failures.length > 0 ? 1 : 0;
        }, 'bank-import'),
      ),
    );

  group('fees', 'the monthly fee')
    .command('run')
    .description('charge the monthly fees due on a day')
    .option('--on <day>', 'the day, YYYY-MM-DD (default: today, UTC)')
    .action(async (options: { on?: string }) =>
      ok(
        await withApp(async (app) => {
          const outcome = await feesRun(app.get(FeesService), options.on ?? app.get(Clock).today());
          if (!outcome.ok) {
            process.stderr.write(`fees run: ${outcome.message}\n`);
            return 1;
          }
          process.stdout.write(JSON.stringify(outcome.run) + '\n');
          return 0;
        }),
      ),
    );

  group('balances', 'opening balances from another system')
    .command('import')
    .description('opening balances (mailbox id, amount, currency): all lines or none')
    .argument('<csv>', 'lines of mailbox id, amount (12.50), currency; an optional header')
    .action(async (file: string) => ok(await balancesImport(file)));

  const staff = group('staff', 'console accounts');
  staff
    .command('add')
    .description('a staff account; prints its one-time enrolment link (72 hours)')
    .argument('<name>', '2-32 of a-z, 0-9, dot, dash, underscore')
    .addOption(
      new Option('--role <role>', 'what the account may do')
        .choices(['staff', 'admin'])
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--locale <locale>', "the console's language").choices(['de', 'en']).default('de'),
    )
    .action(async (name: string, options: { role: StaffRole; locale: StaffLocale }) =>
      ok(await staffAdd(name, options.role, options.locale)),
    );
  staff
    .command('disable')
    .description('end the account and every session of it at once')
    .argument('<name>', "the account's name")
    .action(async (name: string) => ok(await staffDisable(name)));
  staff
    .command('list')
    .description('accounts: name, role, locale, status, last sign-in')
    .action(async () => ok(await staffList()));

  group('audit', 'the audit trail')
    .command('verify')
    .description("check the audit trail's chain; names the first broken record")
    .action(async () => ok(await auditVerify()));

  group('tokens', 'blind-signed top-up tokens')
    .command('rotate')
    .description(
      'a new key for every token denomination, signing from tomorrow; old keys still redeem',
    )
    .action(async () =>
      ok(
        await withApp(async (app) => {
          const outcome = await app.get(TokenKeys).rotate();
          process.stdout.write(JSON.stringify(outcome) + '\n');
          return 0;
        }),
      ),
    );
  cli.addHelpText(
    'after',
    () => `\nevery command:\n${commandLines(cli).join('\n')}\n\n${EXIT_CODES}`,
  );
  for (const command of cli.commands) {
    command.addHelpText('after', `\n${EXIT_CODES}`);
    for (const leaf of command.commands) leaf.addHelpText('after', `\n${EXIT_CODES}`);
  }
  return cli;
}

/** One line per command with its arguments and options, read from the declarations. */
function commandLines(cli: Command): string[] {
  return cli.commands.flatMap((group) =>
    group.commands.map((leaf) => {
      const options = leaf.options.map((o) => (o.mandatory ? o.flags : `[${o.flags}]`));
      const args = leaf.registeredArguments.map((a) =>
        a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}]`,
      );
      const usage = [group.name(), leaf.name(), ...args, ...options].join(' ');
      return `  ${usage}\n      ${leaf.description()}`;
    }),
  );
}

/** Runs one command line (without `node` and the script); resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof Exit) return error.code;
    if (error instanceof CommanderError) {
      // Help asked for is a success; help shown because something was missing is not.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    throw error;
  }
}

async function balancesImport(file: string): Promise<number> {
  let csv: string;
  try {
    csv = readFileSync(file, 'utf8');
  } catch (error) {
    process.stderr.write(`balances import: ${file}: ${(error as Error).message}\n`);
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

function auditVerify(): Promise<number> {
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

function staffAdd(name: string, role: StaffRole, locale: StaffLocale): Promise<number> {
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

function staffDisable(name: string): Promise<number> {
  return withApp(async (app) => {
    if (await app.get(StaffAccounts).disable(name)) {
      process.stdout.write(`${name} is disabled; its sessions have ended\n`);
      return 0;
    }
    process.stderr.write(`staff disable: no account ${name}\n`);
    return 1;
  });
}

function staffList(): Promise<number> {
  return withApp(async (app) => {
    for (const a of await app.get(StaffAccounts).list())
      process.stdout.write(
        `${a.name}\t${a.role}\t${a.locale}\t${a.status}\t${a.lastSignInAt ?? 'never signed in'}\n`,
      );
    return 0;
  });
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
