/**
 * A log-linear latency histogram in the manner of HdrHistogram: values (microseconds, integers)
 * below 2^precisionBits are counted exactly; above, each power of two is split into
 * 2^(precisionBits-1) equal buckets, so every bucket is narrower than 2^-(precisionBits-1) of
 * its values (relative error < 0.2% at the default 10 bits). Two histograms of the same
 * precision merge by adding counts, so percentiles of merged shard histograms are exactly those
 * of one histogram fed every value: the property a cluster-wide report needs.
 */

export const DEFAULT_PRECISION_BITS = 10;

/** JSON form: sparse [bucketIndex, count] pairs, flattened, indices ascending. */
export interface SerializedHistogram {
  readonly unit: 'us';
  readonly precisionBits: number;
  readonly count: number;
  /** Exact smallest and largest recorded values (0 when empty). */
  readonly minUs: number;
  readonly maxUs: number;
  /** Exact sum of recorded values, for the mean. */
  readonly sumUs: number;
  readonly buckets: number[];
}

export class LatencyHistogram {
  private readonly counts = new Map<number, number>();
  private total = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;
  private sum = 0;

  constructor(readonly precisionBits: number = DEFAULT_PRECISION_BITS) {
    if (!Number.isInteger(precisionBits) || precisionBits < 2 || precisionBits > 20) {
      throw new RangeError(`precisionBits must be an integer from 2 to 20, got ${precisionBits}`);
    }
  }

  get count(): number {
    return this.total;
  }

  /** Records one latency in milliseconds (rounded to whole microseconds; negatives clamp to 0). */
  recordMs(valueMs: number): void {
    this.recordUs(Math.max(0, Math.round(valueMs * 1000)), 1);
  }

  recordUs(valueUs: number, times: number): void {
    const index = bucketIndexOf(valueUs, this.precisionBits);
    this.counts.set(index, (this.counts.get(index) ?? 0) + times);
    this.total += times;
    this.sum += valueUs * times;
    if (valueUs < this.min) this.min = valueUs;
    if (valueUs > this.max) this.max = valueUs;
  }

  /** Adds every count of `other` (same precision required: buckets must line up). */
  merge(other: LatencyHistogram): void {
    if (other.precisionBits !== this.precisionBits) {
      throw new RangeError(`cannot merge histograms of precision ${other.precisionBits} and ${this.precisionBits} bits`);
    }
    for (const [index, n] of other.counts) this.counts.set(index, (this.counts.get(index) ?? 0) + n);
    this.total += other.total;
    this.sum += other.sum;
    if (other.total > 0) {
      this.min = Math.min(this.min, other.min);
      this.max = Math.max(this.max, other.max);
    }
  }

  /**
   * The value at `percentile` (0-100), in milliseconds: the highest value equivalent to the
   * bucket holding that rank (as HdrHistogram reports it), capped at the exact maximum.
   */
  percentileMs(percentile: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((percentile / 100) * this.total));
    let seen = 0;
    for (const index of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(index)!;
      if (seen >= rank) return Math.min(highestValueOf(index, this.precisionBits), this.max) / 1000;
    }
    return this.max / 1000;
  }

  maxMs(): number {
    return this.max / 1000;
  }

  minMs(): number {
    return this.total === 0 ? 0 : this.min / 1000;
  }

  meanMs(): number {
    return this.total === 0 ? 0 : this.sum / this.total / 1000;
  }

  toJSON(): SerializedHistogram {
    const buckets: number[] = [];
    for (const index of [...this.counts.keys()].sort((a, b) => a - b)) buckets.push(index, this.counts.get(index)!);
    return {
      unit: 'us',
      precisionBits: this.precisionBits,
      count: this.total,
      minUs: this.total === 0 ? 0 : this.min,
      maxUs: this.max,
      sumUs: this.sum,
      buckets,
    };
  }

  /** Rebuilds a histogram from its JSON form; throws on a malformed one. */
  static fromJSON(json: SerializedHistogram): LatencyHistogram {
    if (json.unit !== 'us' || !Array.isArray(json.buckets) || json.buckets.length % 2 !== 0) {
      throw new TypeError('not a serialized latency histogram');
    }
    const histogram = new LatencyHistogram(json.precisionBits);
    let total = 0;
    for (let i = 0; i < json.buckets.length; i += 2) {
      const index = json.buckets[i]!;
      const n = json.buckets[i + 1]!;
      histogram.counts.set(index, (histogram.counts.get(index) ?? 0) + n);
      total += n;
    }
    if (total !== json.count) throw new TypeError(`histogram buckets hold ${total} values, header says ${json.count}`);
    histogram.total = json.count;
    histogram.sum = json.sumUs;
    histogram.min = json.count === 0 ? Number.POSITIVE_INFINITY : json.minUs;
    histogram.max = json.maxUs;
    return histogram;
  }
}

/** Index of the bucket holding `valueUs` (a non-negative integer). */
export function bucketIndexOf(valueUs: number, precisionBits: number): number {
  const exactLimit = 2 ** precisionBits;
  if (valueUs < exactLimit) return valueUs;
  const half = exactLimit / 2;
  // Shift so the value keeps precisionBits significant bits; each shift step is one "power".
  const shift = floorLog2(valueUs) - precisionBits + 1;
  const mantissa = Math.floor(valueUs / 2 ** shift);
  return exactLimit + (shift - 1) * half + (mantissa - half);
}

/** The largest value that falls in bucket `index`. */
export function highestValueOf(index: number, precisionBits: number): number {
  const exactLimit = 2 ** precisionBits;
  if (index < exactLimit) return index;
  const half = exactLimit / 2;
  const shift = Math.floor((index - exactLimit) / half) + 1;
  const mantissa = ((index - exactLimit) % half) + half;
  return (mantissa + 1) * 2 ** shift - 1;
}

/** floor(log2(v)) for a positive integer, exact (Math.log2 can round up just below a power of two). */
function floorLog2(value: number): number {
  return value < 2 ** 32 ? 31 - Math.clz32(value) : 32 + floorLog2(Math.floor(value / 2 ** 32));
}
