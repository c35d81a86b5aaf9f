import { Client } from 'pg';

/**
 * LISTEN on a PostgreSQL channel with a dedicated connection, reconnecting when it drops. `healthy` is true only
 * while the LISTEN is in place: a cache that relies on the notifications must not trust itself otherwise.
 */
export class NotificationListener {
  private client: Client | null = null;
  private closed = false;
  private retry?: NodeJS.Timeout;
  healthy = false;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onMessage: (payload: string) => void,
    private readonly onDown: () => void,
  ) {}

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 5_000 });
    const down = () => {
      if (this.client !== client) return;
      this.client = null;
      this.healthy = false;
      this.onDown();
      client.end().catch(() => {});
      this.schedule();
    };
    client.on('error', down);
    client.on('end', down);
    client.on('notification', (msg) => {
      if (msg.channel === this.channel) this.onMessage(msg.payload ?? '');
    });
    try {
      this.client = client;
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
      if (this.client === client) this.healthy = true;
    } catch {
      down();
    }
  }

  private schedule(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, 1_000);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.healthy = false;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}
