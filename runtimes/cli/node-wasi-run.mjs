// node-wasi-run: runs one WebAssembly module under node:wasi the way a runtime's command-line
// program does, so execmodel's generic CLI adapter can drive V8 like wasmtime or wazero.
//
//   node node-wasi-run.mjs [--dir HOST::GUEST]... [--env KEY=VALUE]... [--argv0 NAME]
//                          [--invoke NAME] MODULE [ARGS...]
//
// Without --invoke: node's own policy, `wasi.start(instance)` when the module exports `_start`,
// else `wasi.initialize(instance)`. The process exits with the guest's `proc_exit` code (0 when
// `_start` returns). With --invoke NAME: `wasi.initialize(instance)` when `_initialize` is
// exported, else memory is bound without running anything; then NAME is called with ARGS written
// as typed values (`i32:5`, `i64:-1`, `f32:1.5`, `f64:0`), and its results are printed one per
// line on stdout.
//
// argv[0] is the module path's last component unless --argv0 is given. The guest's stdio is this
// process's stdio. Failures are reported on stderr as one line `node-wasi-run: KIND: MESSAGE`:
//   trap (exit 134), link error, compile error, instantiate error, run refused, no export,
//   error (exit 1).

import fs from 'node:fs';
import path from 'node:path';
import { WASI } from 'node:wasi';

const TRAP_STATUS = 134;
const FAILURE_STATUS = 1;

class Failure extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

function parseCommandLine(argv) {
  const options = { dirs: [], env: {}, argv0: null, invoke: null };
  let i = 0;
  const value = (flag) => {
    if (i + 1 >= argv.length) throw new Failure('error', `${flag} needs a value`);
    i += 1;
    return argv[i];
  };
  for (; i < argv.length && argv[i].startsWith('--'); i += 1) {
    const flag = argv[i];
    if (flag === '--dir') {
      const mapping = value(flag);
      const split = mapping.indexOf('::');
      if (split < 0) throw new Failure('error', `--dir ${mapping}: expected HOST::GUEST`);
      options.dirs.push([mapping.slice(0, split), mapping.slice(split + 2)]);
    } else if (flag === '--env') {
      const pair = value(flag);
      const split = pair.indexOf('=');
      if (split < 0) throw new Failure('error', `--env ${pair}: expected KEY=VALUE`);
      options.env[pair.slice(0, split)] = pair.slice(split + 1);
    } else if (flag === '--argv0') {
      options.argv0 = value(flag);
    } else if (flag === '--invoke') {
      options.invoke = value(flag);
    } else {
      throw new Failure('error', `unknown option ${flag}`);
    }
  }
  if (i >= argv.length) throw new Failure('error', 'missing the module path');
  return { ...options, module: argv[i], args: argv.slice(i + 1) };
}

function main(argv) {
  const options = parseCommandLine(argv);
  let module;
  try {
    module = new WebAssembly.Module(fs.readFileSync(options.module));
  } catch (err) {
    throw new Failure(err instanceof WebAssembly.CompileError ? 'compile error' : 'error', message(err));
  }
  const argv0 = options.argv0 ?? path.basename(options.module);
  const wasi = new WASI({
    version: 'preview1',
    args: [argv0, ...(options.invoke === null ? options.args : [])],
    env: options.env,
    preopens: Object.fromEntries(options.dirs.map(([host, guest]) => [guest, host])),
    returnOnExit: true,
  });
  let instance;
  try {
    instance = new WebAssembly.Instance(module, wasi.getImportObject());
  } catch (err) {
    if (typeof err === 'symbol') return wasi[err];
    if (err instanceof WebAssembly.LinkError) throw new Failure('link error', message(err));
    if (isTrap(err)) throw new Failure('trap', message(err));
    throw new Failure('instantiate error', message(err));
  }
  return options.invoke === null ? run(wasi, instance) : invoke(wasi, instance, options.invoke, options.args);
}

function run(wasi, instance) {
  const refusedBeforeGuestCode = (err) => typeof err?.code === 'string' && err.code.startsWith('ERR_');
  try {
    if ('_start' in instance.exports) return wasi.start(instance);
    wasi.initialize(instance);
    return 0;
  } catch (err) {
    if (typeof err === 'symbol') return wasi[err];
    if (refusedBeforeGuestCode(err)) throw new Failure('run refused', message(err));
    throw err;
  }
}

function invoke(wasi, instance, name, args) {
  const exports = instance.exports;
  try {
    if ('_initialize' in exports) {
      wasi.initialize(instance);
    } else if (exports.memory instanceof WebAssembly.Memory) {
      // Binds memory for WASI calls; with no `_start`/`_initialize` in this object nothing runs.
      wasi.initialize({ exports: { memory: exports.memory } });
    }
  } catch (err) {
    if (typeof err === 'symbol') return wasi[err];
    if (typeof err?.code === 'string' && err.code.startsWith('ERR_')) throw new Failure('run refused', message(err));
    throw err;
  }
  const fn = exports[name];
  if (typeof fn !== 'function') throw new Failure('no export', `the module exports no function ${name}`);
  let result;
  try {
    result = fn(...args.map(parseValue));
  } catch (err) {
    if (typeof err === 'symbol') return wasi[err];
    throw err;
  }
  const results = result === undefined ? [] : Array.isArray(result) ? result : [result];
  for (const value of results) fs.writeSync(1, `${formatValue(value)}\n`);
  return 0;
}

function parseValue(text) {
  const match = /^(i32|i64|f32|f64):(.*)$/.exec(text);
  if (!match) throw new Failure('error', `argument ${text}: expected TYPE:VALUE`);
  const [, type, number] = match;
  if (type === 'i64') return BigInt(number);
  if (number === 'inf') return Infinity;
  if (number === '-inf') return -Infinity;
  return Number(number);
}

function formatValue(value) {
  if (typeof value === 'bigint') return value.toString();
  if (Object.is(value, -0)) return '-0';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return String(value);
}

// Wasm traps surface as RuntimeError; V8 reports exhausted stack as a RangeError.
function isTrap(err) {
  return err instanceof WebAssembly.RuntimeError ||
    (err instanceof RangeError && /Maximum call stack size exceeded/.test(err.message));
}

function message(err) {
  return err instanceof Error ? err.message : String(err);
}

let status;
try {
  status = main(process.argv.slice(2));
} catch (err) {
  const kind = err instanceof Failure ? err.kind : isTrap(err) ? 'trap' : 'error';
  fs.writeSync(2, `node-wasi-run: ${kind}: ${message(err).replace(/\n/g, ' ')}\n`);
  status = kind === 'trap' ? TRAP_STATUS : FAILURE_STATUS;
}
process.exit(status);
