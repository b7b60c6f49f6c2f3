// examples/fib-js: Fibonacci computed naively, as grid calls to itself. Every call of fib(n) asks the
// grid for fib(n - 1) and fib(n - 2); the cache and the merging of identical calls in flight make
// that linear (n + 1 executions) instead of exponential. The Java twin is examples/fib
// (partita-examples, io.partita.examples.Fib). The coordinator registers this module at start.
//
//   curl -s localhost:8080/api/calls -d '{"function": "examples/fib-js", "args": [90]}'
export async function call([n], ctx) {
  if (!Number.isInteger(n) || n < 0) throw new RangeError('fib needs a non-negative integer, got ' + n);
  if (n < 2) return n;
  // Both calls go out before either is awaited, so they run in parallel on the grid.
  const a = ctx.call('examples/fib-js', n - 1);
  const b = ctx.call('examples/fib-js', n - 2);
  return (await a) + (await b);
}
