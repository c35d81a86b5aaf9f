import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { badRequest } from '../common/service-error';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination';
import { FleetRepository } from '../repositories/fleet.repository';
import { DEFAULT_EXPIRING_WITHIN_DAYS, type ExpiringCertificateResponse, MAX_EXPIRING_WITHIN_DAYS } from './reports.responses';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Reports across the fleet: the CA certificates of every cluster's current version that expire soon. */
@Injectable()
export class ReportsService {
  constructor(
    private readonly fleet: FleetRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Every certificate of every cluster's current version expiring within `days` days (expired ones included, with a
   * negative daysLeft), soonest first (then by cluster and fingerprint), paginated by position in that order.
   */
  async trustedCa(expiringWithin: string | undefined, limit: number, cursor?: string): Promise<Page<ExpiringCertificateResponse>> {
    const days = expiringWithin === undefined ? DEFAULT_EXPIRING_WITHIN_DAYS : Number(expiringWithin);
    if (!Number.isInteger(days) || days < 0 || days > MAX_EXPIRING_WITHIN_DAYS) {
      throw badRequest(`expiringWithin must be a whole number of days from 0 to ${MAX_EXPIRING_WITHIN_DAYS}.`);
    }
    const after = decodeCursor(cursor, { notAfter: 'timestamp', cluster: 'text', fp: 'text' });
    const now = this.clock.now().getTime();
    const horizon = now + days * DAY_MS;
    const key = (i: ExpiringCertificateResponse) => [Date.parse(i.notAfter), i.cluster, i.sha256Fingerprint] as const;
    const compare = (a: readonly [number, string, string], b: readonly [number, string, string]) =>
      a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
    const items = (await this.fleet.currentCertificates())
      .filter((c) => Date.parse(c.certificate.notAfter) <= horizon)
      .map(
        (c): ExpiringCertificateResponse => ({
          cluster: c.cluster,
          version: c.version,
          subject: c.certificate.subject,
          sha256Fingerprint: c.certificate.sha256Fingerprint.toLowerCase(),
          notAfter: c.certificate.notAfter,
          daysLeft: Math.floor((Date.parse(c.certificate.notAfter) - now) / DAY_MS),
        }),
      )
      .sort((a, b) => compare(key(a), key(b)));
    const start = after ? items.filter((i) => compare(key(i), [Date.parse(after.notAfter), after.cluster, after.fp]) > 0) : items;
    const page = start.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page,
      nextCursor: start.length > limit && last ? encodeCursor({ notAfter: last.notAfter, cluster: last.cluster, fp: last.sha256Fingerprint }) : null,
    };
  }
}
