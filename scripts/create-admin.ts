import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { ConfigError, loadConfig } from '../src/config.js';
import { openDatabase } from '../src/database/open.js';
import type { Db } from '../src/db.js';
import type { Prisma } from '../src/generated/prisma/client.js';
import { RoleName } from '../src/generated/prisma/enums.js';
import { hashPassword } from '../src/lib/passwords.js';
import { currencyCode, emailAddress, newPassword, requiredText, timeZoneName } from '../src/lib/validation.js';
import { startOrganisation } from '../src/modules/organisation/start-organisation.js';

const USAGE = `Usage: npm run create-admin -- --organisation "Acme Ltd" --email admin@acme.example [--name "Ada Admin"]
       [--time-zone Europe/London] [--currency GBP]

Creates an organisation and its first admin. The password comes from OPSGRAPH_ADMIN_PASSWORD or,
without it, from a prompt (or the first line of standard input); never from an argument.
Uses DATABASE_URL, or the embedded database in DATA_DIR (.data) without it.`;

/** A refusal the admin can act on: printed as one line, and the command exits with its code. */
class Refusal extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const usageError = (message: string) => new Refusal(`${message}\n${USAGE}`, 2);

function checked<T>(rule: z.ZodType<T>, value: unknown, flag: string): T {
  const result = rule.safeParse(value);
  if (result.success) return result.data;
  throw usageError(`${flag}: ${result.error.issues[0]!.message}`);
}

function parse(args: string[]) {
  if (args.some((arg) => arg === '--password' || arg.startsWith('--password='))) {
    throw new Refusal(
      'create-admin takes no --password: arguments end up in shell history and process lists. Set OPSGRAPH_ADMIN_PASSWORD or type the password at the prompt.',
      2,
    );
  }
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        organisation: { type: 'string' },
        email: { type: 'string' },
        name: { type: 'string' },
        'time-zone': { type: 'string' },
        currency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw usageError((error as Error).message);
  }
  if (values.help) throw new Refusal(USAGE, 0);
  if (values.organisation === undefined) throw usageError('--organisation is required.');
  if (values.email === undefined) throw usageError('--email is required.');
  return {
    organisation: checked(requiredText('Organisation name'), values.organisation, '--organisation'),
    email: checked(emailAddress, values.email, '--email'),
    name: checked(requiredText('Name'), values.name ?? 'Administrator', '--name'),
    timeZone: checked(timeZoneName, values['time-zone'] ?? 'UTC', '--time-zone'),
    currency: checked(currencyCode, values.currency ?? 'EUR', '--currency'),
  };
}

/** Reads a line from the terminal without echoing it. */
function hiddenLine(prompt: string): Promise<string> {
  const stdin = process.stdin;
  // Raw (and so silent) before the prompt shows: what is typed after it is never echoed.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let line = '';
    const done = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(line);
    };
    const onData = (chunk: string) => {
      for (const character of chunk) {
        if (character === '\r' || character === '\n') return done();
        if (character === '\u0003' || character === '\u0004') return done(new Refusal('Cancelled.', 130));
        if (character === '\u007f' || character === '\b') line = [...line].slice(0, -1).join('');
        else line += character;
      }
    };
    stdin.on('data', onData);
  });
}

async function firstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  throw new Refusal('No password: set OPSGRAPH_ADMIN_PASSWORD or write it as the first line of standard input.', 2);
}

async function password(): Promise<string> {
  const fromEnv = process.env.OPSGRAPH_ADMIN_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return checked(newPassword, fromEnv, 'OPSGRAPH_ADMIN_PASSWORD');
  if (!process.stdin.isTTY) return checked(newPassword, await firstLine(), 'Password');
  const first = checked(newPassword, await hiddenLine('Password for the new admin: '), 'Password');
  if ((await hiddenLine('Again: ')) !== first) throw new Refusal('The passwords differ: nothing was created.', 1);
  return first;
}

type Admin = ReturnType<typeof parse>;

/** Creates the organisation and its admin, or finds that this very command ran before. */
async function createAdmin(db: Db, admin: Admin, passwordHash: () => Promise<string>): Promise<string> {
  const existing = await db.user.findUnique({
    where: { email: admin.email },
    include: { organisation: true, roles: { include: { role: true } } },
  });
  if (existing) {
    const isAdmin = existing.roles.some(({ role }) => role.name === RoleName.ADMIN);
    if (existing.organisation.name === admin.organisation && isAdmin) {
      return `${existing.email} is already an admin of "${existing.organisation.name}": nothing changed.`;
    }
    throw new Refusal(
      `${admin.email} is already the email of another account (in "${existing.organisation.name}"): choose another email.`,
      1,
    );
  }
  if (await db.organisation.findFirst({ where: { name: admin.organisation } })) {
    throw new Refusal(
      `An organisation named "${admin.organisation}" exists already: its admins add users through the API (createUser).`,
      1,
    );
  }
  const hash = await passwordHash();
  const { organisation, admin: user } = await db.$transaction((tx) =>
    startOrganisation(
      tx,
      // No actor: the operator at the command line has no account.
      async ({ before: _none, after, ...entry }) => {
        await tx.auditEvent.create({
          data: { ...entry, after: JSON.parse(JSON.stringify(after)) as Prisma.InputJsonValue },
        });
      },
      {
        name: admin.organisation,
        timeZone: admin.timeZone,
        currency: admin.currency,
        admin: { email: admin.email, name: admin.name, passwordHash: hash },
      },
    ),
  );
  return `Created the organisation "${organisation.name}" and its admin ${user!.email}: sign in with the login mutation.`;
}

async function main(): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const admin = parse(process.argv.slice(2));
  const config = loadConfig(process.env);
  const secret = await password();
  const database = await openDatabase(config, (message) => console.error(message), { seedDemo: false });
  try {
    console.log(await createAdmin(database.db, admin, () => hashPassword(secret)));
    return 0;
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') {
      throw new Refusal(`${admin.email} is already the email of another account: choose another email.`, 1);
    }
    throw error;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof Refusal) {
      (error.exitCode === 0 ? console.log : console.error)(error.message);
      process.exit(error.exitCode);
    }
    if (error instanceof ConfigError) {
      console.error(`[opsgraph] configuration error: ${error.message}`);
      process.exit(2);
    }
    console.error('[opsgraph] create-admin failed:', error);
    process.exit(1);
  },
);
