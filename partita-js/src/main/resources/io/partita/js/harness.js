// Evaluated as a plain script in every context before the job module. It captures JSON.parse and
// JSON.stringify first, so a module that replaces them cannot change how values cross to Java, and
// returns the one object Java calls; nothing of it is reachable from the module.
(function () {
  'use strict';
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const keys = Object.keys;
  const data = globalThis.PartitaData;
  const MAX_LOGS = 1000;
  const MAX_LOG_CHARS = 4096;
  let ns = null;
  let host = null;
  let logs = [];
  let pending = null;

  function text(v) {
    if (typeof v === 'string') return v;
    try {
      const s = stringify(v);
      return s === undefined ? String(v) : s;
    } catch (e) {
      return String(v);
    }
  }
  function log(...parts) {
    if (logs.length >= MAX_LOGS) return;
    let s = parts.map(text).join(' ');
    if (s.length > MAX_LOG_CHARS) s = s.slice(0, MAX_LOG_CHARS) + '...';
    logs.push(s);
  }
  function encode(v) {
    const s = stringify(v);
    return s === undefined ? 'null' : s;
  }
  function thenable(v) {
    return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
  }
  // ctx.call(fn, ...args): a promise of the call's result. The call is made at once; the wait for
  // its answer happens when the promise's reaction runs, so calls made one after another before an
  // await run in parallel on the grid.
  function gridCall(fn, args) {
    if (typeof fn !== 'string') throw new TypeError('ctx.call: the function name must be a string');
    const handle = host.call(fn, encode(args));
    return Promise.resolve({
      then(resolve, reject) {
        const answer = parse(host.await(handle));
        if (answer.ok) resolve(answer.value);
        else reject(new Error(answer.error));
      },
    });
  }
  function noCalls() {
    throw new Error('ctx.call is not available in this function');
  }
  globalThis.console = Object.freeze({log, info: log, warn: log, error: log, debug: log, trace: log});

  return Object.freeze({
    bind(namespace, bridge) {
      ns = namespace;
      host = bridge;
    },
    exports() {
      return stringify(keys(ns).filter((k) => typeof ns[k] === 'function'));
    },
    // Returns the result as JSON text, or undefined when the function returned a promise: then
    // settle() gives the result once the promise jobs have run.
    call(name, argsJson, withContext) {
      logs = [];
      pending = null;
      const args = parse(argsJson);
      if (withContext) {
        const ctx = args[args.length - 1];
        const calls = ctx.calls === true;
        delete ctx.calls;
        ctx.log = (m) => log(m);
        ctx.call = calls ? (fn, ...a) => gridCall(fn, a) : noCalls;
        Object.freeze(ctx);
      }
      const result = ns[name].apply(undefined, args);
      if (thenable(result)) {
        const p = (pending = {done: false, failed: false, value: undefined, error: undefined});
        Promise.resolve(result).then(
          (v) => {
            p.done = true;
            p.value = v;
          },
          (e) => {
            p.done = true;
            p.failed = true;
            p.error = e;
          });
        return undefined;
      }
      return encode(result);
    },
    settled() {
      return pending === null || pending.done;
    },
    settle() {
      const p = pending;
      pending = null;
      if (p.failed) throw p.error;
      return encode(p.value);
    },
    // Data tasks: the engine runs the module's map/combine or reduce over a whole split or the
    // runs of a reducer, and answers {parts: [text...], counters: JSON text}.
    dataMap(text, infoJson, reducers) {
      logs = [];
      const fns = {map: ns.map, combine: typeof ns.combine === 'function' ? ns.combine : undefined};
      const r = data.map(text, parse(infoJson), fns, reducers);
      return {parts: r.runs, counters: stringify(r.counters)};
    },
    dataReduce(runs) {
      logs = [];
      const list = [];
      for (let i = 0; i < runs.length; i++) list.push(runs[i]);
      const r = data.reduce(list, {reduce: ns.reduce});
      return {parts: [r.output], counters: stringify(r.counters)};
    },
    drainLogs() {
      const l = logs;
      logs = [];
      return l.length === 0 ? undefined : stringify(l);
    },
  });
})();
