// The stand-alone debug adapter: `node dist/adapter.js` speaks DAP on stdio; `--server=PORT` on
// TCP at 127.0.0.1 (one session per connection). The only adapter file that may use Node built-ins.

import { readFile } from 'node:fs/promises';
import * as net from 'node:net';
import { FsrDebugSession, type FileAccessor } from './debugSession';

const nodeFiles: FileAccessor = {
  async readFile(path: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(path));
  },
};

const USAGE = 'usage: node dist/adapter.js [--server=PORT]   (DAP on stdio, or on TCP 127.0.0.1:PORT; PORT 0 picks a free port)';

function main(argv: string[]): void {
  let port: number | null = null;
  for (const arg of argv) {
    const m = /^--server=(.*)$/.exec(arg);
    if (m) {
      const p = Number(m[1]);
      if (!/^\d+$/.test(m[1]!) || p > 65535) {
        process.stderr.write(`--server: "${m[1]}" is not a port (a whole number in 0..65535)\n${USAGE}\n`);
        process.exit(2);
      }
      port = p;
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    } else {
      process.stderr.write(`unknown argument "${arg}"\n${USAGE}\n`);
      process.exit(2);
    }
  }
  // A bug in a handler must not take the adapter (or other sessions on the server) down.
  process.on('uncaughtException', (e) => process.stderr.write(`fsr adapter: uncaught ${e.stack ?? e.message}\n`));
  process.on('unhandledRejection', (e) => process.stderr.write(`fsr adapter: unhandled rejection ${String(e)}\n`));

  if (port !== null) {
    const server = net.createServer((socket) => {
      socket.on('error', () => socket.destroy());
      const session = new FsrDebugSession(nodeFiles, { wireProblem: (m) => process.stderr.write(`fsr adapter (${socket.remoteAddress}:${socket.remotePort}): ${m}\n`) });
      session.setRunAsServer(true);
      session.start(socket, socket);
    });
    server.on('error', (e) => {
      process.stderr.write(`--server: cannot listen on 127.0.0.1:${port}: ${e.message}\n`);
      process.exit(1);
    });
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address() as net.AddressInfo;
      process.stderr.write(`fsr debug adapter listening on 127.0.0.1:${addr.port}\n`);
    });
    return;
  }
  const session = new FsrDebugSession(nodeFiles, {
    exit: () => setTimeout(() => process.exit(0), 50),
    wireProblem: (m) => process.stderr.write(`fsr adapter: ${m}\n`),
  });
  session.start(process.stdin, process.stdout);
  // After the session's own 'end' listener, which reports a frame the end cut short.
  process.stdin.on('end', () => process.exit(0));
}

main(process.argv.slice(2));
