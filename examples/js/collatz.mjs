// The longest Collatz chain below params.limit: which start n < limit takes the most steps
// (n -> n/2 if even, 3n+1 if odd) to reach 1. Partitions split [1, limit) into equal ranges; ties
// go to the smaller start, so the answer does not depend on how the work was spread.

function steps(n) {
  let s = 0;
  while (n !== 1) {
    n = n % 2 === 0 ? n / 2 : 3 * n + 1;
    s++;
  }
  return s;
}

export function compute(partition, ctx) {
  const limit = ctx.params.limit ?? 1000000;
  const n = ctx.partitions;
  const lo = Math.max(1, Math.floor((partition * limit) / n));
  const hi = partition === n - 1 ? limit : Math.floor(((partition + 1) * limit) / n);
  let best = { start: lo, steps: -1 };
  for (let i = lo; i < hi; i++) {
    const s = steps(i);
    if (s > best.steps) best = { start: i, steps: s };
  }
  return best;
}

export function combine(a, b) {
  if (a.steps !== b.steps) return a.steps > b.steps ? a : b;
  return a.start <= b.start ? a : b;
}
