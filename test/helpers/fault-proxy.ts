import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export type FaultProxy = {
  /** The database URL, rewritten to pass through the proxy. */
  url: string;
  /** The database goes away: open connections are cut and new ones refused (reset at once). */
  cut(): void;
  /**
   * The database goes away just after the next transaction commits: the COMMIT reaches it and
   * its answer reaches the client, then every connection is cut and new ones refused.
   */
  cutAfterCommit(): void;
  /**
   * The next COMMIT reaches the database, but not its answer the client: the connection is reset
   * instead, as when PgBouncer stops at that moment.
   */
  loseCommitAnswer(): void;
  /** The database comes back. */
  restore(): void;
  close(): Promise<void>;
};

/**
 * A TCP proxy in front of PostgreSQL on loopback, so that a test can take "the database" away
 * and bring it back without touching the server the other test files use.
 */
export async function startFaultProxy(databaseUrl: string): Promise<FaultProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  let down = false;
  let commitArmed = false;
  let commitAnswerArmed = false;
  let committing: Socket | undefined;
  const server = createServer((incoming) => {
    if (down) {
      incoming.resetAndDestroy();
      return;
    }
    const outgoing = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [incoming, outgoing]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        incoming.destroy();
        outgoing.destroy();
      });
    }
    incoming.pipe(outgoing).pipe(incoming);
    incoming.on('data', (chunk: Buffer) => {
      if (commitAnswerArmed && chunk.includes('COMMIT')) {
        // The pipe has sent the COMMIT on already; its answer goes nowhere.
        commitAnswerArmed = false;
        outgoing.unpipe(incoming);
        outgoing
          .once('data', () => {
            incoming.resetAndDestroy();
            outgoing.destroy();
          })
          .resume();
        return;
      }
      if (!commitArmed || !chunk.includes('COMMIT')) return;
      commitArmed = false;
      committing = incoming;
      down = true;
      for (const socket of sockets) if (socket !== incoming && socket !== outgoing) socket.resetAndDestroy();
    });
    // Runs after the pipe has passed the answer on: end() delivers it, then closes.
    outgoing.on('data', () => {
      if (committing !== incoming) return;
      committing = undefined;
      incoming.end();
      outgoing.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  const cut = () => {
    down = true;
    for (const socket of sockets) socket.resetAndDestroy();
  };
  return {
    url: url.toString(),
    cut,
    cutAfterCommit: () => {
      commitArmed = true;
    },
    loseCommitAnswer: () => {
      commitAnswerArmed = true;
    },
    restore: () => {
      down = false;
    },
    close: () => {
      cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
