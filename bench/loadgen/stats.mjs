// Latency histogram that can be merged across processes: buckets 1% wide (log scale over microseconds),
// so a percentile is within 1% of the true value, and a report carries counts, never raw samples.
const GROWTH = Math.log(1.01);

export class Histogram {
  constructor() {
    this.buckets = new Map(); // bucket index -> count
    this.count = 0;
    this.max = 0;
  }

  /** Records one latency in milliseconds (negative values, from clock skew, count as 0). */
  record(ms) {
    const value = ms > 0 ? ms : 0;
    const index = Math.floor(Math.log1p(value * 1000) / GROWTH);
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1);
    this.count++;
    if (value > this.max) this.max = value;
  }

  toJSON() {
    return { count: this.count, max: this.max, buckets: Object.fromEntries(this.buckets) };
  }

  static fromJSON(json) {
    const histogram = new Histogram();
    histogram.merge(json);
    return histogram;
  }

  /** Adds another histogram (or its JSON form) into this one. */
  merge(other) {
    const json = other instanceof Histogram ? other.toJSON() : other;
    for (const [index, count] of Object.entries(json.buckets)) {
      this.buckets.set(Number(index), (this.buckets.get(Number(index)) ?? 0) + count);
    }
    this.count += json.count;
    this.max = Math.max(this.max, json.max);
    return this;
  }

  /** The value (ms) at quantile q in [0, 1]: the upper edge of the bucket that holds it, capped at the max. */
  quantile(q) {
    if (this.count === 0) return null;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (const index of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(index);
      if (seen >= rank) return Math.min(this.max, Math.expm1((index + 1) * GROWTH) / 1000);
    }
    return this.max;
  }

  summary() {
    const at = (q) => round(this.quantile(q));
    return { count: this.count, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: round(this.max) };
  }
}

export const round = (value, digits = 3) => (value == null ? null : Number(value.toFixed(digits)));

/** Epoch milliseconds with a fraction; every process on this machine reads the same clock. */
export const nowMs = () => performance.timeOrigin + performance.now();
