/**
 * Full audit pages by query (see AuditService.list), at most maxBytes of JSON text (16 MB by default): past it the
 * least recently used entries go (a Map iterates in insertion order, and a hit moves its entry to the end).
 */
export class AuditPageCache {
  private readonly entries = new Map<string, { body: string; nextCursor: string | null }>();
  private bytes = 0;

  constructor(private readonly maxBytes = 16 * 1024 * 1024) {}

  get(key: string): { body: string; nextCursor: string | null } | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: { body: string; nextCursor: string | null }): void {
    const size = (e: { body: string }, k: string) => e.body.length + k.length;
    if (size(entry, key) > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= size(old, key);
      this.entries.delete(key);
    }
    for (const [k, e] of this.entries) {
      if (this.bytes + size(entry, key) <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= size(e, k);
    }
    this.entries.set(key, entry);
    this.bytes += size(entry, key);
  }

  /** The bytes of JSON text held (for tests). */
  get size(): number {
    return this.bytes;
  }
}
