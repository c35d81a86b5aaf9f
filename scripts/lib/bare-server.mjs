// The baseline: a bare Node http server answering a fixed JSON body (run as a child process by bench.mjs).
// Usage: node scripts/lib/bare-server.mjs PORT
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const body = Buffer.from(JSON.stringify({ status: 'ok' }));
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 72_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
