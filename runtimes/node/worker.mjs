// The node side of execmodel-node: runs WebAssembly modules under `node:wasi` on behalf of the
// Rust adapter. One request per line on stdin, one response per line on stdout (JSON).
//
//   {"id":1,"op":"load","module":"m1","wasm":"<base64>"}         -> {"id":1,"ok":true}
//   {"id":2,"op":"open","session":"s1","module":"m1","outputBytes":1048576}
//   {"id":3,"op":"step","session":"s1","step":{"do":"run","wasi":{...}}}
//        -> {"id":3,"ok":true,"outcome":{...},"hasInstance":true,"stdout":"<base64>","stderr":"<base64>",
//            "implicitCalls":["_start"],"surfaced":"..."}
//   {"id":4,"op":"close","session":"s1"}
//
// A failed request answers {"id":N,"ok":false,"error":"..."}. The guest's stdio never touches this
// process's stdout: WASI gets file descriptors of scratch files, read back after each step.
// The protocol is docs/worker-protocol.md (version 2).
//
// argv[2] is a scratch directory owned by the adapter (removed when the worker is dropped).

import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { WASI } from 'node:wasi';
import { Worker } from 'node:worker_threads';

const scratch = process.argv[2];
const modules = new Map();
const sessions = new Map();

startOrphanWatchdog();

const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on('line', (line) => {
  let id = null;
  let response;
  try {
    const request = JSON.parse(line);
    id = request.id;
    response = { ok: true, ...handle(request) };
  } catch (err) {
    response = { ok: false, error: describe(err) };
  }
  writeReply(JSON.stringify({ id, ...response }) + '\n');
});

// Synchronous, so that a step blocking the event loop cannot delay its own answer, and whole:
// stdout is a non-blocking pipe, where one writeSync takes at most what the pipe holds (64 KiB)
// and throws EAGAIN while it is full, so the rest is written as the adapter reads.
const pause = new Int32Array(new SharedArrayBuffer(4));
function writeReply(text) {
  const bytes = Buffer.from(text);
  let written = 0;
  while (written < bytes.length) {
    try {
      written += fs.writeSync(1, bytes, written, bytes.length - written);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
// The adapter closes stdin when it drops the worker or exits; the scratch directory goes too
// (the adapter removes it as well when it can, but not at its own exit).
input.on('close', () => {
  fs.rmSync(scratch, { recursive: true, force: true });
  process.exit(0);
});

function handle(request) {
  switch (request.op) {
    case 'hello':
      return { runtime: 'node', version: process.version, protocol: 2 };
    case 'load':
      modules.set(request.module, new WebAssembly.Module(Buffer.from(request.wasm, 'base64')));
      return {};
    case 'open':
      openSession(request);
      return {};
    case 'step':
      return step(sessionNamed(request.session), request.step);
    case 'close':
      closeSession(request.session);
      return {};
    default:
      throw new Error(`unknown op ${JSON.stringify(request.op)}`);
  }
}

function openSession({ session, module, outputBytes }) {
  const compiled = modules.get(module);
  if (!compiled) throw new Error(`module ${module} is not loaded`);
  if (sessions.has(session)) throw new Error(`session ${session} is already open`);
  // node:wasi serves one snapshot per instance: `wasi_unstable` for a module that imports it.
  const version = WebAssembly.Module.imports(compiled).some((i) => i.module === 'wasi_unstable') ? 'unstable' : 'preview1';
  sessions.set(session, { name: session, module: compiled, outputBytes, version, live: null });
}

function sessionNamed(name) {
  const session = sessions.get(name);
  if (!session) throw new Error(`session ${name} is not open`);
  return session;
}

function closeSession(name) {
  const session = sessions.get(name);
  if (!session) return;
  sessions.delete(name);
  if (session.live) releaseInstanceFiles(session.live);
}

// ---- steps -------------------------------------------------------------------------------------

function step(session, request) {
  const live = session.live;
  let outcome;
  const notes = { implicitCalls: [], surfaced: null };
  switch (request.do) {
    case 'instantiate':
    case 'run':
      if (live) throw new Error('the session already has an instance');
      session.live = newLiveInstance(session, request.wasi);
      outcome = request.do === 'run' ? run(session.live, notes) : instantiate(session.live);
      break;
    case 'call':
      outcome = call(live, request, notes);
      break;
    case 'memory':
      outcome = memoryPages(live);
      break;
    case 'write':
      outcome = writeMemory(live, request);
      break;
    case 'read':
      outcome = readMemory(live, request);
      break;
    default:
      throw new Error(`unknown step ${JSON.stringify(request.do)}`);
  }
  return { outcome, hasInstance: Boolean(session.live && session.live.instance), ...notes, ...takeOutput(session.live) };
}

// `instantiate`: the instance only; a wasm start section is the only guest code that runs.
// Nothing else is done to it: node:wasi binds linear memory only inside `wasi.start` and
// `wasi.initialize` (node 20 has no `finalizeBindings`), so a WASI call from an export called
// straight after instantiation throws ERR_WASI_NOT_STARTED, as node's own
// test/wasi/test-wasi-not-started.js asserts. That is node's answer to such a sequence.
function instantiate(live) {
  return makeInstance(live) ?? returned([]);
}

// `run`: node's own policy, as documented for node:wasi: `wasi.start(instance)` for a module
// exporting `_start`, `wasi.initialize(instance)` otherwise. Both validate the exports and
// throw before any guest code runs when the module does not fit.
// node validates the exports before calling the entry point, throwing an error with an `ERR_*`
// code; any other exception came out of the entry point, so node did call it.
function run(live, notes) {
  const made = makeInstance(live);
  if (made) return made;
  const exports = live.instance.exports;
  const beforeExit = live.exitCalls;
  const entry = '_start' in exports ? '_start' : '_initialize';
  try {
    if (entry === '_start') {
      const code = live.wasi.start(live.instance);
      notes.implicitCalls.push('_start');
      if (live.exitCalls > beforeExit) {
        notes.surfaced = 'wasi.start() returned the exit code (returnOnExit: true)';
        return exited(code);
      }
      return returned([]);
    }
    live.wasi.initialize(live.instance);
    if (typeof exports._initialize === 'function') notes.implicitCalls.push('_initialize');
    return returned([]);
  } catch (err) {
    const refusedFirst = err !== null && typeof err === 'object' && typeof err.code === 'string' && err.code.startsWith('ERR_') && !live.importFailures.has(err);
    if (!refusedFirst && typeof exports[entry] === 'function') notes.implicitCalls.push(entry);
    if (typeof err === 'symbol') notes.surfaced = `thrown by wasi.${entry === '_start' ? 'start' : 'initialize'}() as node's private exit symbol; the code read from the WASI object`;
    return thrown(live, err, 'run');
  }
}

function call(live, { export: name, args, results }, notes) {
  if (!live || !live.instance) return rejected('call', 'there is no instance to call');
  const fn = live.instance.exports[name];
  if (typeof fn !== 'function') return rejected('call', `the instance has no exported function ${name}`);
  let value;
  try {
    value = fn(...args.map(fromWire));
  } catch (err) {
    if (typeof err === 'symbol') notes.surfaced = "thrown out of the export call as node's private exit symbol; the code read from the WASI object";
    return thrown(live, err, 'call');
  }
  const values = results.length === 1 ? [value] : results.length === 0 ? [] : Array.from(value);
  return returned(values.map((v, i) => toWire(results[i], v)));
}

function memoryPages(live) {
  const memory = live && live.instance ? live.instance.exports.memory : undefined;
  if (!(memory instanceof WebAssembly.Memory)) return rejected('call', 'the instance exports no memory');
  return returned([toWire('i32', memory.buffer.byteLength / 65536)]);
}

// Host access to the exported memory; the range is checked here, against the live size.
function memoryRange(live, offset, length) {
  const memory = live && live.instance ? live.instance.exports.memory : undefined;
  if (!(memory instanceof WebAssembly.Memory)) return { outcome: rejected('call', 'the instance exports no memory') };
  const size = memory.buffer.byteLength;
  if (offset + length > size) {
    return { outcome: rejected('call', `memory access of ${length} bytes at ${offset} is outside the memory (${size} bytes)`) };
  }
  return { bytes: new Uint8Array(memory.buffer, offset, length) };
}

function writeMemory(live, { offset, bytes }) {
  const data = Buffer.from(bytes, 'base64');
  const range = memoryRange(live, offset, data.length);
  if (range.outcome) return range.outcome;
  range.bytes.set(data);
  return returned([]);
}

function readMemory(live, { offset, length }) {
  const range = memoryRange(live, offset, length);
  if (range.outcome) return range.outcome;
  return { kind: 'bytes', bytes: Buffer.from(range.bytes).toString('base64') };
}

// Returns an outcome when instantiation did not produce an instance, else null.
function makeInstance(live) {
  try {
    live.instance = new WebAssembly.Instance(live.module, live.imports);
    return null;
  } catch (err) {
    return thrown(live, err, 'instantiate');
  }
}

// ---- one instance: WASI context, wrapped imports, captured output --------------------------------

function newLiveInstance(session, wasi) {
  const base = path.join(scratch, session.name);
  const stdinPath = `${base}.stdin`;
  fs.writeFileSync(stdinPath, Buffer.from(wasi.stdin, 'base64'));
  const stdout = newCapture(`${base}.stdout`, session.outputBytes);
  const stderr = newCapture(`${base}.stderr`, session.outputBytes);
  const stdinFd = fs.openSync(stdinPath, 'r');
  const options = {
    version: session.version,
    args: wasi.args,
    env: Object.fromEntries(wasi.env),
    returnOnExit: true,
    stdin: stdinFd,
    stdout: stdout.fd,
    stderr: stderr.fd,
  };
  if (wasi.preopen) options.preopens = { [wasi.preopen.guest]: wasi.preopen.host };
  const live = {
    module: session.module,
    wasi: new WASI(options),
    instance: null,
    exitCalls: 0,
    importFailures: new WeakMap(),
    stdinFd,
    stdinPath,
    stdout,
    stderr,
  };
  live.imports = wrapImports(live);
  return live;
}

// Wrap each WASI function to learn (a) that the guest called `proc_exit` and (b) which errors
// came out of a WASI function rather than out of wasm itself. Behaviour is unchanged.
function wrapImports(live) {
  const imports = live.wasi.getImportObject();
  const wrapped = {};
  for (const [namespace, functions] of Object.entries(imports)) {
    wrapped[namespace] = {};
    for (const [name, fn] of Object.entries(functions)) {
      wrapped[namespace][name] = (...args) => {
        if (name === 'proc_exit') live.exitCalls += 1;
        try {
          return fn(...args);
        } catch (err) {
          if (err !== null && typeof err === 'object') live.importFailures.set(err, name);
          throw err;
        }
      };
    }
  }
  return wrapped;
}

// node:wasi does not duplicate the descriptors it is given: a guest's `fd_close(1)` closes ours,
// and the number may then be reused. So output is read back by path, and a descriptor is only
// closed at the end if it still refers to its file.
function newCapture(file, budget) {
  const fd = fs.openSync(file, 'w+');
  return { file, fd, offset: 0, budget };
}

// The bytes written since the last step, within what is left of the per-instance budget.
function takeCapture(capture) {
  const size = fs.statSync(capture.file).size;
  const length = Math.max(Math.min(size - capture.offset, capture.budget), 0);
  const bytes = Buffer.alloc(length);
  if (length > 0) {
    const reader = fs.openSync(capture.file, 'r');
    try {
      fs.readSync(reader, bytes, 0, length, capture.offset);
    } finally {
      fs.closeSync(reader);
    }
  }
  capture.budget -= length;
  capture.dropped = size - capture.offset - length;
  capture.offset = size;
  return bytes.toString('base64');
}

function takeOutput(live) {
  if (!live) return { stdout: '', stderr: '' };
  const stdout = takeCapture(live.stdout);
  const stderr = takeCapture(live.stderr);
  return { stdout, stderr, stdoutDropped: live.stdout.dropped, stderrDropped: live.stderr.dropped };
}

function releaseInstanceFiles(live) {
  const handed = [
    { fd: live.stdinFd, file: live.stdinPath },
    { fd: live.stdout.fd, file: live.stdout.file },
    { fd: live.stderr.fd, file: live.stderr.file },
  ];
  for (const { fd, file } of handed) {
    if (refersTo(fd, file)) fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}

function refersTo(fd, file) {
  try {
    const open = fs.fstatSync(fd);
    const named = fs.statSync(file);
    return open.ino === named.ino && open.dev === named.dev;
  } catch {
    return false;
  }
}

// ---- outcomes ------------------------------------------------------------------------------------

function returned(values) {
  return { kind: 'returned', values };
}

function exited(code) {
  return { kind: 'exited', code };
}

// Every rejection the worker writes itself is the harness's text, not node's.
function rejected(stage, message) {
  return { kind: 'rejected', stage, message, by: 'harness' };
}

// With `returnOnExit`, node's proc_exit stores the code on the WASI object under a private
// symbol and throws that very symbol; `wasi.start` catches it, a direct export call does not.
function thrown(live, err, phase) {
  if (typeof err === 'symbol') return exited(live.wasi[err]);
  const isObject = err !== null && typeof err === 'object';
  return {
    kind: 'threw',
    phase,
    name: isObject && err.constructor ? err.constructor.name : typeof err,
    code: isObject && typeof err.code === 'string' ? err.code : null,
    message: isObject && 'message' in err ? String(err.message) : String(err),
    fromImport: isObject ? live.importFailures.get(err) ?? null : null,
  };
}

// A module V8 refuses is an answer, not a worker bug: no stack for it.
function describe(err) {
  if (err instanceof WebAssembly.CompileError) return String(err);
  return err instanceof Error ? err.stack ?? err.message : String(err);
}

// ---- values: {type, bits} with the raw bit pattern as an unsigned decimal string ----------------

const scratchView = new DataView(new ArrayBuffer(8));

function fromWire({ type, bits }) {
  const raw = BigInt(bits);
  switch (type) {
    case 'i32':
      return Number(BigInt.asIntN(32, raw));
    case 'i64':
      return BigInt.asIntN(64, raw);
    case 'f32':
      scratchView.setUint32(0, Number(raw));
      return scratchView.getFloat32(0);
    case 'f64':
      scratchView.setBigUint64(0, raw);
      return scratchView.getFloat64(0);
    default:
      throw new Error(`unknown value type ${type}`);
  }
}

function toWire(type, value) {
  switch (type) {
    case 'i32':
      return { type, bits: String(value >>> 0) };
    case 'i64':
      return { type, bits: BigInt.asUintN(64, value).toString() };
    case 'f32':
      scratchView.setFloat32(0, value);
      return { type, bits: String(scratchView.getUint32(0)) };
    case 'f64':
      scratchView.setFloat64(0, value);
      return { type, bits: scratchView.getBigUint64(0).toString() };
    default:
      throw new Error(`unknown value type ${type}`);
  }
}

// ---- orphan guard --------------------------------------------------------------------------------

// The adapter kills a worker stuck past a deadline, but if the adapter itself dies mid-step
// nobody would: a thread outside the (possibly blocked) main thread kills this process once it
// has been re-parented.
function startOrphanWatchdog() {
  const watchdog = new Worker(
    `const { workerData } = require('node:worker_threads');
     setInterval(() => {
       if (process.ppid !== workerData.ppid) process.kill(process.pid, 'SIGKILL');
     }, 500);`,
    { eval: true, workerData: { ppid: process.ppid } },
  );
  watchdog.unref();
}
