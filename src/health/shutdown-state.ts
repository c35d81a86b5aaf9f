import { Injectable } from '@nestjs/common';

/**
 * Whether the process is draining before it stops. From SIGTERM on, /readyz answers 503 so load balancers stop
 * sending, every response says `Connection: close` so clients open their next request elsewhere, and requests
 * that were already on their way (sent, but still in a socket buffer) are read and answered instead of being cut
 * off when the server closes its idle connections.
 */
@Injectable()
export class ShutdownState {
  private drainingSince: number | null = null;

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  beginDrain(): void {
    this.drainingSince ??= Date.now();
  }
}
