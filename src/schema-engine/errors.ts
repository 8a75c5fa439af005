export type EngineError = {
  is_panic: boolean;
  message: string;
  error_code?: string;
  meta?: unknown;
  backtrace?: string | null;
};

type Described = { errorCode: string; message: string };

function location(url: string | undefined): { host: string; port: string; database: string } {
  try {
    const parsed = new URL(url ?? '');
    return {
      host: parsed.hostname || 'localhost',
      port: parsed.port || '5432',
      database: decodeURIComponent(parsed.pathname.slice(1)) || 'postgres',
    };
  } catch {
    return { host: 'localhost', port: '5432', database: 'postgres' };
  }
}

/**
 * Turns a pg / network failure into the error code and sentence Prisma's CLI shows for it, or
 * undefined when the error is not about reaching the database.
 */
export function describeConnectionError(error: unknown, url?: string): Described | undefined {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  const { host, port, database } = location(url);
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ECONNRESET':
      return {
        errorCode: 'P1001',
        message: `Can't reach database server at \`${host}:${port}\`\n\nPlease make sure your database server is running at \`${host}:${port}\`.`,
      };
    case '3D000':
      return {
        errorCode: 'P1003',
        message: `Database \`${database}\` does not exist on the database server at \`${host}:${port}\`.`,
      };
    case '28P01':
    case '28000':
      return {
        errorCode: 'P1000',
        message: `Authentication failed against database server at \`${host}\`, the provided database credentials are not valid.`,
      };
    case '42501':
      return { errorCode: 'P1010', message: `User was denied access on the database \`${database}\`.` };
  }
  if (error instanceof TypeError && /Invalid URL/i.test(String(message))) {
    return { errorCode: 'P1013', message: 'The provided database string is invalid.' };
  }
  if (/timeout/i.test(String(message))) {
    return {
      errorCode: 'P1002',
      message: `The database server at \`${host}:${port}\` was reached but timed out.`,
    };
  }
  return undefined;
}
