/** A growable Int32Array: append values, then take a right-sized copy. */
export class IntBuffer {
  private data: Int32Array;
  private used = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Int32Array(Math.max(1, initialCapacity));
  }

  get length(): number {
    return this.used;
  }

  push(value: number): void {
    if (this.used === this.data.length) this.grow(this.used + 1);
    this.data[this.used++] = value;
  }

  /** Appends `values[0..count)`. */
  append(values: ArrayLike<number>, count = values.length): void {
    if (this.used + count > this.data.length) this.grow(this.used + count);
    for (let i = 0; i < count; i++) this.data[this.used + i] = values[i] as number;
    this.used += count;
  }

  /** A copy holding exactly the appended values. */
  toArray(): Int32Array {
    return this.data.slice(0, this.used);
  }

  private grow(needed: number): void {
    const next = new Int32Array(Math.max(needed, this.data.length * 2));
    next.set(this.data.subarray(0, this.used));
    this.data = next;
  }
}
