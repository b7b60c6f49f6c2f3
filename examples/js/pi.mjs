// Monte Carlo estimate of π: the same numbers as the Java function examples/pi for the same params.
// Each partition throws params.samples points (default 1,000,000) from a 32-bit generator
// (mulberry32) seeded with a murmur3 mix of (params.seed, partition); only 32-bit integer
// arithmetic (Math.imul, >>>, | 0), so Java and JavaScript agree bit for bit.

function fmix32(h) {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function unit(a) {
  let t = Math.imul(a ^ (a >>> 15), 1 | a);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export function compute(partition, ctx) {
  const samples = ctx.params.samples ?? 1000000;
  const seed = ctx.params.seed ?? 42;
  let state = fmix32((seed | 0) ^ fmix32((partition | 0) ^ 0x9e3779b9));
  let inside = 0;
  for (let i = 0; i < samples; i++) {
    state = (state + 0x6d2b79f5) | 0;
    const x = unit(state);
    state = (state + 0x6d2b79f5) | 0;
    const y = unit(state);
    if (x * x + y * y <= 1.0) inside++;
  }
  return { inside, samples, estimate: (4 * inside) / samples };
}

export function combine(a, b) {
  const inside = a.inside + b.inside;
  const samples = a.samples + b.samples;
  return { inside, samples, estimate: (4 * inside) / samples };
}
