// A webhook receiver on loopback for the scripts (fault check (d), bench): records every delivery, answers as told
// (a status, or a function of the request), verifies Standard Webhooks signatures with the standardwebhooks package.
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

export async function startReceiver({ answer = 200 } = {}) {
  const receiver = {
    url: '',
    answer,
    /** { id, at (ms, performance.timeOrigin based), status, verified } per request */
    received: [],
    secret: null,
    /** Event ids answered 2xx. */
    delivered: new Set(),
    badSignatures: 0,
    onDelivery: null,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = req.headers['webhook-id'];
      let verified = null;
      if (receiver.secret) {
        try {
          new Webhook(receiver.secret).verify(body, req.headers);
          verified = true;
        } catch {
          verified = false;
          receiver.badSignatures += 1;
        }
      }
      const status = typeof receiver.answer === 'function' ? receiver.answer(receiver.received.length + 1) : receiver.answer;
      const entry = { id, at: Date.now(), status, verified, body };
      receiver.received.push(entry);
      if (status >= 200 && status < 300) receiver.delivered.add(id);
      receiver.onDelivery?.(entry);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'down');
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  receiver.url = `http://127.0.0.1:${server.address().port}/hook`;
  return receiver;
}
