import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print, type FormattedExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { repoRoot, run, startServer } from './helpers/cli.js';
import { useTestDatabase } from './helpers/database.js';
import { graphql } from './generated/index.js';
import type { CreateAdminLoginMutation } from './generated/graphql.js';
import { data } from './helpers/graphql.js';

const database = useTestDatabase();

const PASSWORD = 'anchor-rope-lantern-42';

const createAdmin = (args: string[], env: Record<string, string | undefined> = {}, input?: string) =>
  run(
    'npm',
    ['run', '--silent', 'create-admin', '--', ...args],
    { DATABASE_URL: database.url, OPSGRAPH_ADMIN_PASSWORD: PASSWORD, ...env },
    input,
  );

const LOGIN = graphql(/* GraphQL */ `
  mutation CreateAdminLogin($input: LoginInput!) {
    login(input: $input) {
      __typename
      ... on LoginSuccess {
        tokens {
          accessToken
        }
      }
    }
  }
`);

const VIEWER = graphql(/* GraphQL */ `
  query CreateAdminViewer {
    viewer {
      email
      roles {
        name
      }
      organisation {
        name
      }
    }
  }
`);

async function signIn(email: string, password: string) {
  const { login } = await data(LOGIN, { input: { email, password } });
  if (login.__typename !== 'LoginSuccess') return null;
  return (await data(VIEWER, {}, { token: login.tokens.accessToken })).viewer;
}

const counts = async () => ({
  organisations: await database.db.organisation.count(),
  users: await database.db.user.count(),
  auditEvents: await database.db.auditEvent.count(),
});

describe('npm run create-admin', () => {
  it('creates an organisation and its first admin, who then signs in', async () => {
    const created = await createAdmin(['--organisation', 'Acme Ltd', '--email', 'admin@acme.example']);
    expect(created.code, created.output).toBe(0);
    expect(created.stdout).toContain('Created the organisation "Acme Ltd" and its admin admin@acme.example');
    expect(created.output).not.toContain(PASSWORD);

    const organisation = await database.db.organisation.findFirstOrThrow({ where: { name: 'Acme Ltd' } });
    const events = await database.db.auditEvent.findMany({ where: { organisationId: organisation.id } });
    expect(events.map((event) => [event.entityType, event.action]).sort()).toEqual([
      ['Organisation', 'create'],
      ['User', 'assignRole'],
      ['User', 'create'],
    ]);
    expect(JSON.stringify(events)).not.toContain('scrypt$');

    expect(await signIn('admin@acme.example', PASSWORD)).toEqual({
      email: 'admin@acme.example',
      roles: [{ name: 'ADMIN' }],
      organisation: { name: 'Acme Ltd' },
    });
  });

  it("sets the organisation's time zone and currency, refusing ones that do not exist", async () => {
    const before = await counts();
    const refused = await createAdmin([
      ...['--organisation', 'Zoned Ltd', '--email', 'admin@zoned.example', '--time-zone', 'Europe/Londres'],
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--time-zone: Time zone must be an IANA time zone name');
    expect(await counts()).toEqual(before);

    const created = await createAdmin([
      ...['--organisation', 'Zoned Ltd', '--email', 'admin@zoned.example'],
      ...['--time-zone', 'America/Chicago', '--currency', 'usd'],
    ]);
    expect(created.code, created.output).toBe(0);
    expect(await database.db.organisation.findFirstOrThrow({ where: { name: 'Zoned Ltd' } })).toMatchObject({
      timeZone: 'America/Chicago',
      currency: 'USD',
    });
  });

  it('changes nothing when run again with the same organisation and email', async () => {
    await createAdmin(['--organisation', 'Twice Ltd', '--email', 'admin@twice.example']);
    const before = await counts();
    const again = await createAdmin(['--organisation', 'Twice Ltd', '--email', 'ADMIN@twice.example'], {
      OPSGRAPH_ADMIN_PASSWORD: 'a-different-password-9',
    });
    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toContain('admin@twice.example is already an admin of "Twice Ltd": nothing changed.');
    expect(await counts()).toEqual(before);
    expect(await signIn('admin@twice.example', PASSWORD)).not.toBeNull();
  });

  it('refuses an email another account has, in one line, creating nothing', async () => {
    await createAdmin(['--organisation', 'First Ltd', '--email', 'taken@first.example']);
    const before = await counts();
    const refused = await createAdmin(['--organisation', 'Second Ltd', '--email', 'Taken@First.example']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      'Taken@First.example is already the email of another account (in "First Ltd"): choose another email.',
    );
    expect(await counts()).toEqual(before);
  });

  it('refuses a second organisation of a name that exists', async () => {
    await createAdmin(['--organisation', 'Named Ltd', '--email', 'one@named.example']);
    const before = await counts();
    const refused = await createAdmin(['--organisation', 'Named Ltd', '--email', 'two@named.example']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('An organisation named "Named Ltd" exists already');
    expect(await counts()).toEqual(before);
  });

  it('never takes the password as an argument', async () => {
    const before = await counts();
    for (const args of [['--password', PASSWORD], [`--password=${PASSWORD}`]]) {
      const refused = await createAdmin(['--organisation', 'Argv Ltd', '--email', 'admin@argv.example', ...args]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('create-admin takes no --password');
      expect(refused.stderr).toContain('OPSGRAPH_ADMIN_PASSWORD');
    }
    expect(await counts()).toEqual(before);
  });

  it('reads the password from the first line of standard input without OPSGRAPH_ADMIN_PASSWORD', async () => {
    const created = await createAdmin(
      ['--organisation', 'Piped Ltd', '--email', 'admin@piped.example'],
      { OPSGRAPH_ADMIN_PASSWORD: undefined },
      'piped-in-password-7\nignored second line\n',
    );
    expect(created.code, created.output).toBe(0);
    expect(await signIn('admin@piped.example', 'piped-in-password-7')).toMatchObject({
      organisation: { name: 'Piped Ltd' },
    });
  });

  it('asks for the password twice on a terminal without echoing it', async () => {
    // `script` gives the command a terminal; each answer is typed once its prompt shows.
    const child = spawn(
      'script',
      ['-qec', 'npm run --silent create-admin -- --organisation "Tty Ltd" --email admin@tty.example', '/dev/null'],
      {
        cwd: repoRoot,
        env: { ...process.env, NODE_ENV: undefined, DATABASE_URL: database.url, OPSGRAPH_ADMIN_PASSWORD: undefined },
      },
    );
    let output = '';
    const answers = [
      ['Password for the new admin: ', 'typed-at-the-terminal-3'],
      ['Again: ', 'typed-at-the-terminal-3'],
    ];
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const [prompt, answer] = answers[0] ?? [];
      if (prompt && output.endsWith(prompt)) {
        answers.shift();
        child.stdin.write(`${answer}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, output).toBe(0);
    expect(output).toContain('Created the organisation "Tty Ltd"');
    expect(output).not.toContain('typed-at-the-terminal-3');
    expect(await signIn('admin@tty.example', 'typed-at-the-terminal-3')).toMatchObject({
      organisation: { name: 'Tty Ltd' },
    });
  });

  it('explains each usage error and creates nothing', async () => {
    const before = await counts();
    const cases: [string[], Record<string, string | undefined>, string][] = [
      [['--email', 'a@b.example'], {}, '--organisation is required.'],
      [['--organisation', 'X Ltd'], {}, '--email is required.'],
      [['--organisation', 'X Ltd', '--email', 'not-an-email'], {}, '--email: Email must be an email address.'],
      [['--organisation', '  ', '--email', 'a@b.example'], {}, '--organisation: Organisation name is required.'],
      [['--organisation', 'X Ltd', '--email', 'a@b.example', '--org', 'Y'], {}, "Unknown option '--org'"],
      [
        ['--organisation', 'X Ltd', '--email', 'a@b.example'],
        { OPSGRAPH_ADMIN_PASSWORD: 'short' },
        'OPSGRAPH_ADMIN_PASSWORD: Password must be at least 12 characters.',
      ],
    ];
    for (const [args, env, message] of cases) {
      const refused = await createAdmin(args, env);
      expect(refused.code, refused.output).toBe(2);
      expect(refused.stderr).toContain(message);
    }
    expect(await counts()).toEqual(before);
  });
});

describe('npm run create-admin on the embedded database', () => {
  it('creates the admin in DATA_DIR without the demo, and the server started there signs them in', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-create-admin-'));
    try {
      const env = { DATABASE_URL: undefined, DATA_DIR: dataDir };
      const created = await createAdmin(['--organisation', 'Embedded Ltd', '--email', 'admin@embedded.example'], env);
      expect(created.code, created.output).toBe(0);
      const server = await startServer(env);
      try {
        const login = async (email: string, password: string) => {
          const response = await fetch(server.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: print(LOGIN), variables: { input: { email, password } } }),
          });
          const result = (await response.json()) as FormattedExecutionResult<CreateAdminLoginMutation>;
          return result.data?.login.__typename;
        };
        expect(await login('admin@embedded.example', PASSWORD)).toBe('LoginSuccess');
        expect(await login('ada@harbourworks.example', 'opsgraph-demo')).toBe('AuthenticationError');
      } finally {
        await server.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
