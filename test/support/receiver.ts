import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** How the receiver answers: a status, no answer at all (the sender times out), or a closed connection. */
export type Answer = number | 'hang' | 'close';

export interface Received {
  headers: Record<string, string>;
  body: string;
  at: number;
  /** What the receiver answered. */
  answer: Answer;
}

/**
 * A webhook receiver on loopback for tests: records every request, answers as told (`answer` may change at any time,
 * or be a function of the request number). Signatures are checked by the tests with the standardwebhooks package.
 */
export interface Receiver {
  url: string;
  received: Received[];
  /** Requests answered 2xx. */
  delivered(): Received[];
  answer: Answer | ((n: number, r: Received) => Answer);
  /** Resolves once `predicate` holds for the received list (polls), or rejects after `timeoutMs`. */
  waitFor(predicate: (received: Received[]) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(answer: Receiver['answer'] = 200): Promise<Receiver> {
  const hanging = new Set<ServerResponse>();
  const receiver: Receiver = {
    url: '',
    received: [],
    answer,
    delivered: () => receiver.received.filter((r) => typeof r.answer === 'number' && r.answer >= 200 && r.answer < 300),
    async waitFor(predicate, timeoutMs = 15_000, what = 'the receiver') {
      const until = Date.now() + timeoutMs;
      while (!predicate(receiver.received)) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}; got ${receiver.received.length} requests: ${receiver.received.map((r) => `${r.headers['webhook-id']}=${String(r.answer)}`).join(', ')}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const record: Received = {
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        answer: 200,
      };
      const a = typeof receiver.answer === 'function' ? receiver.answer(receiver.received.length + 1, record) : receiver.answer;
      record.answer = a;
      receiver.received.push(record);
      if (a === 'hang') {
        hanging.add(res);
        return;
      }
      if (a === 'close') {
        req.socket.destroy();
        return;
      }
      res.writeHead(a, { 'content-type': 'text/plain' }).end(a >= 200 && a < 300 ? 'ok' : `answer ${a} `.repeat(200));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}

/** Verifies a delivery with the standardwebhooks package (as any receiver would); throws when it does not verify. */
export function verifyDelivery(secret: string, r: Received): unknown {
  return new Webhook(secret).verify(r.body, {
    'webhook-id': r.headers['webhook-id'],
    'webhook-timestamp': r.headers['webhook-timestamp'],
    'webhook-signature': r.headers['webhook-signature'],
  });
}

export const eventIdOf = (r: Received) => r.headers['webhook-id'];
export const typeOf = (r: Received) => (JSON.parse(r.body) as { type?: string }).type;
