import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/principal';
import type { Role } from '../auth/roles';
import { CLOCK, type Clock } from '../common/clock';
import { badRequest, notFound } from '../common/service-error';
import { decodeCursor, type Page, toPage } from '../http/pagination';
import { LOGGER } from '../logging/logger';
import { type Person, PeopleRepository } from '../repositories/people.repository';
import { Writes } from '../writes/writes.service';
import type { PeopleDirectory } from '../auth/identity';
import { isPersonName, PERSON_NAME_RULE } from '../auth/person-name';
import type { PersonView } from './person.dto';

/** A sign-in is written at most this often per person (unless its roles changed). */
const SIGN_IN_WRITE_EVERY_MS = 60_000;
const SIGN_IN_MEMORY_MAX = 10_000;

const sameRoles = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((r, i) => r === b[i]);
const normalizeRoles = (roles: readonly Role[]) => [...new Set(roles)].sort() as Role[];

function view(row: Person): PersonView {
  return { name: row.name, roles: row.roles as Role[], source: row.source as 'oidc' | 'admin', lastSeenAt: row.lastSeenAt?.toISOString() ?? null };
}

/** Everyone the service knows, and their roles (which serve X-Acting-For). Names are kept lower-cased. */
@Injectable()
export class PeopleService implements PeopleDirectory {
  /** Per person: when its sign-in was last written and with which roles. */
  private readonly signIns = new Map<string, { at: number; roles: string }>();

  constructor(
    private readonly writes: Writes,
    private readonly people: PeopleRepository,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** A name from a URL or a header, lower-cased; 400 when it is no user name. */
  static nameOf(raw: string): string {
    if (!isPersonName(raw)) throw badRequest(`A person's name must be ${PERSON_NAME_RULE}.`);
    return raw.toLowerCase();
  }

  async list(limit: number, cursor?: string): Promise<Page<PersonView>> {
    const after = decodeCursor(cursor, { name: 'text' });
    const rows = await this.people.page(limit, after?.name ?? null);
    return toPage(rows, limit, view, (r) => ({ name: r.name }));
  }

  async get(name: string): Promise<PersonView> {
    const row = await this.people.find(name);
    if (!row) throw notFound('PERSON_NOT_FOUND', `No person is named "${name}".`);
    return view(row);
  }

  /** The roles a person holds for X-Acting-For, or null when the service does not know them. */
  async rolesOf(name: string): Promise<Role[] | null> {
    const row = await this.people.find(name);
    return row ? (row.roles as Role[]) : null;
  }

  /** An admin sets a person's roles: created (201) or changed (200), audited as person.updated when anything changed. */
  async put(name: string, input: { roles: Role[] }, caller: Caller): Promise<{ created: boolean; person: PersonView }> {
    const roles = normalizeRoles(input.roles);
    return this.writes.run(async (tx) => {
      const now = this.clock.now();
      if (await this.people.insertIfAbsent(tx, { name, roles, source: 'admin', lastSeenAt: null, at: now })) {
        await this.audit.append(tx, caller, { action: 'person.updated', details: { name, before: null, roles, source: 'admin' } });
        return { created: true, person: view((await this.people.find(name, tx))!) };
      }
      const current = (await this.people.lock(tx, name))!;
      if (sameRoles(current.roles, roles) && current.source === 'admin') return { created: false, person: view(current) };
      const row = await this.people.update(tx, name, { roles, source: 'admin', updatedAt: now });
      if (!sameRoles(current.roles, roles)) {
        await this.audit.append(tx, caller, { action: 'person.updated', details: { name, before: current.roles, roles, source: 'admin' } });
      }
      return { created: false, person: view(row) };
    });
  }

  /**
   * A sign-in with a token: records the person with the token's roles, at most once a minute per person (at once
   * when the roles differ from what this process last wrote), audited as person.updated only when the roles change.
   */
  async recordSignIn(name: string, tokenRoles: Role[], requestId: string): Promise<void> {
    const roles = normalizeRoles(tokenRoles);
    const key = roles.join(',');
    const last = this.signIns.get(name);
    if (last && last.roles === key && Date.now() - last.at < SIGN_IN_WRITE_EVERY_MS) return;
    const caller: Caller = { actor: name, via: null, roles, requestId };
    try {
      await this.writes.run(async (tx) => {
        const now = this.clock.now();
        if (await this.people.insertIfAbsent(tx, { name, roles, source: 'oidc', lastSeenAt: now, at: now })) {
          await this.audit.append(tx, caller, { action: 'person.updated', details: { name, before: null, roles, source: 'oidc' } });
          return;
        }
        const current = (await this.people.lock(tx, name))!;
        if (sameRoles(current.roles, roles)) {
          await this.people.update(tx, name, { lastSeenAt: now });
          return;
        }
        await this.people.update(tx, name, { roles, source: 'oidc', lastSeenAt: now, updatedAt: now });
        await this.audit.append(tx, caller, { action: 'person.updated', details: { name, before: current.roles, roles, source: 'oidc' } });
      });
      if (this.signIns.size >= SIGN_IN_MEMORY_MAX) this.signIns.clear();
      this.signIns.set(name, { at: Date.now(), roles: key });
    } catch (err) {
      // The request goes on with the token's own roles; the next sign-in tries again.
      this.logger.warn({ person: name, err: (err as Error).message }, 'could not record a sign-in');
    }
  }
}
