/**
 * Feature statistics, and the per-domain alignment built on them: on frozen features, each
 * training domain (clip art, each emoji artist) is moved onto the photos' per-dimension mean and
 * spread, so a head that learns from drawings sees them where photos lie.
 */
import type { FeatureMatrix } from './npy.js';

export interface FeatureStats {
  mean: Float32Array;
  /** 1 / standard deviation, floored. */
  scale: Float32Array;
}

/**
 * Per-dimension mean and 1/std of the given feature rows. A floor on the deviation keeps a
 * dimension that is constant on these rows from blowing up on others.
 */
export function featureStats(matrix: FeatureMatrix, rows: Iterable<number>): FeatureStats {
  const d = matrix.cols;
  const sum = new Float64Array(d);
  const sq = new Float64Array(d);
  const buf = new Float32Array(d);
  let n = 0;
  for (const r of rows) {
    matrix.readRow(r, buf, 0);
    for (let j = 0; j < d; j++) {
      sum[j]! += buf[j]!;
      sq[j]! += buf[j]! * buf[j]!;
    }
    n++;
  }
  if (n === 0) throw new Error('feature statistics need at least one row');
  const mean = Float32Array.from(sum, (v) => v / n);
  const std = Array.from(sq, (v, j) => Math.sqrt(Math.max(0, v / n - mean[j]! ** 2)));
  const floor = Math.max(1e-6, [...std].sort((a, b) => a - b)[Math.floor(d / 2)]! * 0.1);
  return { mean, scale: Float32Array.from(std, (v) => 1 / Math.max(v, floor)) };
}

/**
 * A view of `matrix` in which each domain's rows are mapped x → (x − μ_domain)·σ_target/σ_domain
 * + μ_target, with each domain's `stats` (of its training rows) and `target`'s. Rows of no domain
 * are read as they are. A row listed in two domains is an error: its map would be ambiguous.
 */
export class AlignedFeatures implements FeatureMatrix {
  readonly rows: number;
  readonly cols: number;
  private readonly domainOf = new Map<number, number>();
  private readonly maps: { shift: Float32Array; gain: Float32Array; to: Float32Array }[] = [];

  constructor(
    private readonly matrix: FeatureMatrix,
    domains: { stats: FeatureStats; rows: Iterable<number> }[],
    target: FeatureStats,
  ) {
    this.rows = matrix.rows;
    this.cols = matrix.cols;
    domains.forEach(({ stats, rows }, k) => {
      for (const r of rows) {
        if (this.domainOf.has(r)) throw new Error(`feature row ${r} is in two domains`);
        this.domainOf.set(r, k);
      }
      this.maps.push({
        shift: stats.mean,
        gain: Float32Array.from(stats.scale, (s, j) => s / target.scale[j]!),
        to: target.mean,
      });
    });
  }

  readRow(r: number, out: Float32Array, offset = 0): void {
    this.matrix.readRow(r, out, offset);
    const k = this.domainOf.get(r);
    if (k === undefined) return;
    const { shift, gain, to } = this.maps[k]!;
    for (let j = 0; j < this.cols; j++) out[offset + j] = (out[offset + j]! - shift[j]!) * gain[j]! + to[j]!;
  }
}
