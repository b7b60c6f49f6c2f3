// Counts the primes up to params.limit (inclusive) exactly: the same answer as the Java function
// examples/primes. [0, limit] is cut into equal consecutive ranges, one per partition, each counted
// with a segmented sieve. Without "partitions" in the spec, prepare picks one per million numbers.

export function prepare(params) {
  if (!(params.limit >= 0)) throw new Error("params.limit is required: count primes up to this number");
  return { count: Math.max(1, Math.min(100000, Math.floor(params.limit / 1000000))) };
}

function boundary(i, span, n) {
  return Number((BigInt(i) * BigInt(span)) / BigInt(n));
}

function countPrimes(lo, hi) {
  lo = Math.max(lo, 2);
  if (hi <= lo) return 0;
  const root = Math.floor(Math.sqrt(hi)) + 1;
  const small = new Uint8Array(root + 1); // 1 = composite
  const segment = new Uint8Array(hi - lo);
  for (let p = 2; p <= root; p++) {
    if (small[p]) continue;
    for (let m = p * p; m <= root; m += p) small[m] = 1;
    const start = Math.max(p * p, lo + ((p - (lo % p)) % p));
    for (let m = start; m < hi; m += p) segment[m - lo] = 1;
  }
  let count = 0;
  for (let i = 0; i < segment.length; i++) if (!segment[i]) count++;
  return count;
}

export function compute(partition, ctx) {
  const limit = ctx.params.limit;
  const n = ctx.partitions;
  const span = limit + 1;
  const lo = boundary(partition, span, n);
  const hi = partition === n - 1 ? span : boundary(partition + 1, span, n);
  return countPrimes(lo, hi);
}

export function combine(a, b) {
  return a + b;
}
