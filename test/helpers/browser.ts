import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser } from 'puppeteer-core';

export type Chromium = {
  browser: Browser;
  /** Every request the browser tried to send off this machine: to its proxy, which forwards none. */
  elsewhere: string[];
  /** Closes the browser (killing it if it does not close in time) and removes its files. */
  close(): Promise<void>;
};

const CLOSE_TIMEOUT_MS = 10_000;

/**
 * The browser's proxy for every host but this machine's loopback (Chromium sends loopback direct):
 * it records what reaches it and forwards nothing. It sees the requests of the browser process
 * itself (updates, metrics, DNS-over-HTTPS), which no page's DevTools session reports.
 */
async function startSink() {
  const seen: string[] = [];
  const sink = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    response.writeHead(502).end();
  });
  sink.on('connect', (request, socket) => {
    seen.push(`CONNECT ${request.url}`);
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  return {
    seen,
    proxy: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        sink.close(() => resolve());
        sink.closeAllConnections();
      }),
  };
}

/** Chromium from the @sparticuz/chromium package, headless, with nothing to say to the outside. */
export async function launchChromium(): Promise<Chromium> {
  // The package inflates its Chromium into os.tmpdir() and reuses whatever /tmp/chromium holds,
  // whatever its version or state: this run's own folder holds this package's build.
  const dir = await mkdtemp(join(tmpdir(), 'opsgraph-chromium-'));
  const sink = await startSink();
  let browser: Browser | undefined;
  try {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = dir;
    let executablePath: string;
    try {
      executablePath = await chromium.executablePath();
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    // Its fontconfig is built in: without a configuration naming fonts (a minimal Debian has none)
    // the renderer aborts. The package's own names /tmp/fonts; this one the fonts it inflated here.
    const fontsConf = join(dir, 'fonts.conf');
    await writeFile(
      fontsConf,
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>${join(dir, 'fonts')}</dir><cachedir>${join(dir, 'fonts-cache')}</cachedir></fontconfig>\n`,
    );
    browser = await puppeteer.launch({
      executablePath,
      env: { ...process.env, FONTCONFIG_FILE: fontsConf },
      headless: 'shell',
      pipe: true,
      userDataDir: join(dir, 'profile'),
      timeout: 60_000,
      protocolTimeout: 60_000,
      // The package's own flags suit AWS Lambda (one process, web security off); a test of the
      // page keeps the browser's security as a developer has it.
      args: [
        // CI runs as root, where Chromium's sandbox refuses to start.
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-domain-reliability',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
        '--no-pings',
        `--proxy-server=${sink.proxy}`,
      ],
    });
  } catch (error) {
    await sink.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const launched = browser;
  return {
    browser: launched,
    elsewhere: sink.seen,
    async close() {
      const closed = launched.close().then(
        () => true,
        () => false,
      );
      const timedOut = new Promise<false>((resolve) => setTimeout(() => resolve(false), CLOSE_TIMEOUT_MS).unref());
      if (!(await Promise.race([closed, timedOut]))) launched.process()?.kill('SIGKILL');
      await sink.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
