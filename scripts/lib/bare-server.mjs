// The baseline: a bare Node http server answering a fixed JSON body (run as a child process by bench.mjs).
// With "validate": a POST body is a config, answered with the service's own validation engine (dist/domain, pure)
// as JSON: the validate-floor scenario, what validating costs with no framework, no authentication and no headers.
// Usage: node scripts/lib/bare-server.mjs PORT [validate]
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const engine = process.argv[3] === 'validate' ? await import('../../dist/domain/validate/index.js') : null;
const body = Buffer.from(JSON.stringify({ status: 'ok' }));
const server = createServer((req, res) => {
  if (!engine || req.method !== 'POST') {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
    return;
  }
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (text += chunk));
  req.on('end', () => {
    const out = JSON.stringify(engine.validate(JSON.parse(text), { now: new Date(), cluster: null }));
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
