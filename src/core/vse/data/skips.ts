/** Counts records a loader skipped, by named reason, with a few examples of each for the user. */
export class SkipReport {
  readonly counts = new Map<string, number>();
  readonly examples = new Map<string, string[]>();

  add(reason: string, where: string): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    const ex = this.examples.get(reason) ?? [];
    if (ex.length < 5) ex.push(where);
    this.examples.set(reason, ex);
  }

  get total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  merge(other: SkipReport): void {
    for (const [r, c] of other.counts) this.counts.set(r, (this.counts.get(r) ?? 0) + c);
    for (const [r, ex] of other.examples) this.examples.set(r, [...(this.examples.get(r) ?? []), ...ex].slice(0, 5));
  }

  toJSON(): { total: number; reasons: { reason: string; count: number; examples: string[] }[] } {
    return {
      total: this.total,
      reasons: [...this.counts].map(([reason, count]) => ({
        reason,
        count,
        examples: this.examples.get(reason) ?? [],
      })),
    };
  }
}
