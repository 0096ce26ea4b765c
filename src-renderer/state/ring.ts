/**
 * Bounded buffers. `appendCapped` is the immutable flavour for React state (a new array only
 * when something changed); `SampleRing` is a mutable typed-array ring for high-rate telemetry that
 * the canvas chart reads on each animation frame without involving React.
 */
import type { SampleTuple } from '../../src-shared/events/model';

/** prev + items, keeping only the newest `cap`. Returns `prev` itself when `items` is empty. */
export function appendCapped<T>(prev: readonly T[], items: readonly T[], cap: number): readonly T[] {
  if (items.length === 0) return prev;
  if (items.length >= cap) return items.slice(items.length - cap);
  const drop = Math.max(0, prev.length + items.length - cap);
  const out = prev.slice(drop);
  for (const item of items) out.push(item);
  return out;
}

/** items + prev (newest first), keeping only the first `cap`. */
export function prependCapped<T>(prev: readonly T[], items: readonly T[], cap: number): readonly T[] {
  if (items.length === 0) return prev;
  const out = items.slice(0, cap);
  for (let i = 0; i < prev.length && out.length < cap; i++) out.push(prev[i] as T);
  return out;
}

export class SampleRing {
  readonly capacity: number;
  private readonly t: Float64Array;
  private readonly x: Float32Array;
  private readonly y: Float32Array;
  private readonly z: Float32Array;
  /** Index of the oldest sample. */
  private head = 0;
  private count = 0;
  /** Bumped on every change so a reader can skip redrawing an unchanged buffer. */
  version = 0;
  /** Local clock (performance/Date) when the newest sample arrived; set by the caller. */
  lastArrival = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('capacity must be a positive integer');
    this.capacity = capacity;
    this.t = new Float64Array(capacity);
    this.x = new Float32Array(capacity);
    this.y = new Float32Array(capacity);
    this.z = new Float32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Time of the newest sample, or NaN when empty. */
  get latestT(): number {
    return this.count === 0 ? NaN : (this.t[(this.head + this.count - 1) % this.capacity] as number);
  }

  get oldestT(): number {
    return this.count === 0 ? NaN : (this.t[this.head] as number);
  }

  /** The newest sample, or null when empty. */
  latest(): SampleTuple | null {
    if (this.count === 0) return null;
    const i = (this.head + this.count - 1) % this.capacity;
    return [this.t[i] as number, this.x[i] as number, this.y[i] as number, this.z[i] as number];
  }

  /** Appends one sample; a sample older than the newest is dropped. Returns whether it was kept. */
  push(t: number, x: number, y: number, z: number): boolean {
    if (!Number.isFinite(t)) return false;
    if (this.count > 0 && t < this.latestT) return false;
    let i: number;
    if (this.count < this.capacity) {
      i = (this.head + this.count) % this.capacity;
      this.count++;
    } else {
      i = this.head;
      this.head = (this.head + 1) % this.capacity;
    }
    this.t[i] = t;
    this.x[i] = x;
    this.y[i] = y;
    this.z[i] = z;
    return true;
  }

  pushMany(samples: readonly SampleTuple[]): number {
    let kept = 0;
    for (const s of samples) {
      if (Array.isArray(s) && this.push(s[0], s[1], s[2], s[3])) kept++;
    }
    if (kept > 0) this.version++;
    return kept;
  }

  /**
   * Merges older history (e.g. `telemetry.recent`) under what is already buffered: seed samples
   * older than the oldest buffered one are placed before it, the rest are ignored as duplicates.
   */
  seed(samples: readonly SampleTuple[]): void {
    const existing = this.toTuples();
    const cutoff = existing.length > 0 ? (existing[0] as SampleTuple)[0] : Infinity;
    const older = samples.filter((s) => Array.isArray(s) && s[0] < cutoff);
    if (older.length === 0) return;
    this.clear();
    for (const s of older) this.push(s[0], s[1], s[2], s[3]);
    for (const s of existing) this.push(s[0], s[1], s[2], s[3]);
    this.version++;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
    this.version++;
  }

  /** Visits samples with t >= fromT, oldest first. */
  forEachSince(fromT: number, fn: (t: number, x: number, y: number, z: number) => void): void {
    // Binary search for the first index with t >= fromT (times are non-decreasing).
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.t[(this.head + mid) % this.capacity] as number) < fromT) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < this.count; k++) {
      const i = (this.head + k) % this.capacity;
      fn(this.t[i] as number, this.x[i] as number, this.y[i] as number, this.z[i] as number);
    }
  }

  toTuples(): SampleTuple[] {
    const out: SampleTuple[] = [];
    this.forEachSince(-Infinity, (t, x, y, z) => out.push([t, x, y, z]));
    return out;
  }
}

/** One ring per sensor, created on first sight. Mutable, owned by the store, read by charts. */
export class SampleBuffers {
  private readonly rings = new Map<string, SampleRing>();
  constructor(
    readonly capacityPerSensor: number,
    private readonly maxSensors = 256,
  ) {}

  get(sensorId: string): SampleRing | undefined {
    return this.rings.get(sensorId);
  }

  ensure(sensorId: string): SampleRing {
    let ring = this.rings.get(sensorId);
    if (!ring) {
      if (this.rings.size >= this.maxSensors) {
        // Forget the sensor heard from least recently so memory stays bounded.
        let oldestId: string | null = null;
        let oldest = Infinity;
        for (const [id, r] of this.rings) {
          if (r.lastArrival < oldest) {
            oldest = r.lastArrival;
            oldestId = id;
          }
        }
        if (oldestId !== null) this.rings.delete(oldestId);
      }
      ring = new SampleRing(this.capacityPerSensor);
      this.rings.set(sensorId, ring);
    }
    return ring;
  }

  /** Applies one pushed batch; returns how many samples were kept. */
  apply(batch: Record<string, readonly SampleTuple[]>, arrival: number): number {
    let kept = 0;
    for (const id of Object.keys(batch)) {
      const samples = batch[id];
      if (!Array.isArray(samples) || samples.length === 0) continue;
      const ring = this.ensure(id);
      const n = ring.pushMany(samples);
      if (n > 0) ring.lastArrival = arrival;
      kept += n;
    }
    return kept;
  }

  ids(): string[] {
    return [...this.rings.keys()];
  }
}
