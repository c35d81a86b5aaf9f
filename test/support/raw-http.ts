import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

/** Makes the in-process app's HTTP server listen on a loopback port (for raw sockets and fetch). */
export async function listenOnLoopback(server: Server): Promise<number> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends raw bytes on a fresh TCP connection to 127.0.0.1:port and reads one HTTP/1.1 answer until the server closes. */
export function rawRequest(port: number, bytes: Buffer | string, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      finish();
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.split('\r\n\r\n', 1)[0];
      const [statusLine, ...lines] = head.split('\r\n');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
      if (!match) {
        reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
        return;
      }
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      let body = text.slice(head.length + 4);
      const length = Number(headers['content-length']);
      if (Number.isFinite(length)) body = body.slice(0, length);
      resolve({ status: Number(match[1]), headers, body });
    };
    socket.on('data', (d) => chunks.push(d));
    socket.on('end', finish);
    socket.on('error', () => finish());
    socket.write(bytes);
    // Half-close after writing: keep-alive answers then end when the server closes on its side or times out.
    socket.on('data', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      if (head < 0) return;
      const m = /content-length:\s*(\d+)/i.exec(text.slice(0, head));
      if (m && text.length - head - 4 >= Number(m[1])) socket.end();
    });
  });
}
