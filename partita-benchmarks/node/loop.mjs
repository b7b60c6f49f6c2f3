// The same compute-heavy loop as io.partita.js.JsRuntimeMain, run by Node.js, for the ratio in
// docs/benchmarks.md. Usage: node partita-benchmarks/node/loop.mjs [rounds] [n]
function compute(i, ctx) {
  let s = 0;
  for (let k = 0; k < ctx.params.n; k++) s += (i * k) % 7;
  return s;
}

const rounds = Number(process.argv[2] ?? 15);
const n = Number(process.argv[3] ?? 20000000);
const millis = [];
for (let r = 0; r < rounds; r++) {
  const t0 = process.hrtime.bigint();
  const out = compute(r + 1, { params: { n } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  millis.push(ms);
  console.log(`round ${r + 1}: ${ms.toFixed(1)} ms (result ${out})`);
}
const warm = millis.slice(Math.floor(rounds / 2)).sort((a, b) => a - b);
console.log(`node ${process.version}: warm median (second half) ${warm[Math.floor(warm.length / 2)].toFixed(1)} ms for n=${n}`);
