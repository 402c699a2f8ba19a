// The JavaScript side of execmodel-node: runs WebAssembly modules under a JavaScript WASI
// implementation on behalf of the Rust adapter. One request per line on stdin, one response per
// line on stdout (JSON).
//
//   {"id":1,"op":"load","module":"m1","wasm":"<base64>"}         -> {"id":1,"ok":true}
//   {"id":2,"op":"open","session":"s1","module":"m1","outputBytes":1048576}
//   {"id":3,"op":"step","session":"s1","step":{"do":"run","wasi":{...}}}
//        -> {"id":3,"ok":true,"outcome":{...},"hasInstance":true,"stdout":"<base64>","stderr":"<base64>",
//            "implicitCalls":["_start"],"surfaced":"..."}
//   {"id":4,"op":"close","session":"s1"}
//
// A failed request answers {"id":N,"ok":false,"error":"..."}. The guest's stdio never touches this
// process's stdout: node:wasi gets file descriptors of scratch files, read back after each step;
// the other implementations write through callbacks into per-instance buffers.
// The protocol is docs/worker-protocol.md (version 2).
//
// Command line: `worker.mjs [--wasi=IMPL] [--packages=DIR] SCRATCH` (flags before or after the
// scratch directory, which is owned by the adapter and removed when the worker is dropped).
//
//   --wasi=node               (default) `node:wasi` of the program running this script: node's own
//                             under node, Bun's own implementation under Bun (`bun worker.mjs …`).
//   --wasi=wasm-util          the WASI class of npm `@tybys/wasm-util`, on node.
//   --wasi=browser-wasi-shim  npm `@bjorn3/browser_wasi_shim`, on node.
//   --packages=DIR            a directory holding node_modules with those packages (see
//                             runtimes/node/packages/); read only when a polyfill is selected.
//
// Each implementation gets the same WASI configuration as far as its API can take it and is run
// the way its own documentation runs a module; where it cannot take part of the configuration,
// the comment at its constructor says so. Nothing is added to make a library pass or fail.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import { WASI } from 'node:wasi';
import { Worker } from 'node:worker_threads';

const commandLine = parseCommandLine(process.argv.slice(2));
const scratch = commandLine.scratch;
const modules = new Map();
const moduleBytes = new WeakMap();
const sessions = new Map();
const flavour = await chooseFlavour(commandLine);

startOrphanWatchdog();

// The protocol's pipes, opened again under descriptors of the worker's own: under Bun (and
// wasm-util with a preopen) a guest's fd_close(0) or fd_close(1) closes this process's fd 0 or 1,
// which must then stay the guest's business and not end the exchange with the adapter.
const requestFd = fs.openSync('/dev/fd/0', 'r');
const replyFd = fs.openSync('/dev/fd/1', 'w');

// The step being answered, so that a runtime ending this process midway (Bun's proc_exit calls
// process.exit) still reports what the step did until then: its output and implicit calls.
let stepInProgress = null;
process.on('exit', (code) => {
  if (!stepInProgress) return;
  const { id, session, notes } = stepInProgress;
  stepInProgress = null;
  const words = {
    id,
    ok: true,
    ending: true,
    implicitCalls: notes.implicitCalls,
    surfaced: `${flavour.label} called process.exit(${code}) during the step, which ended the worker's process`,
    ...takeOutput(session.live),
  };
  if (code < 0 || code > 255) words.requestedExit = code;
  writeReply(JSON.stringify(words) + '\n');
});

// Said just before the runtime enters guest code by itself (`wasi.start` calling `_start`): an
// interim reply with the implicit calls so far and `also`. If the step then spends its CPU
// budget the adapter kills this process, and this is what is known of the step; otherwise the
// step's own reply supersedes it.
function announceEntry(also, surfaced) {
  if (!stepInProgress) return;
  const { id, notes } = stepInProgress;
  const implicitCalls = [...notes.implicitCalls, ...also];
  writeReply(JSON.stringify({ id, ok: true, entered: true, implicitCalls, surfaced }) + '\n');
}

const input = readline.createInterface({ input: fs.createReadStream(null, { fd: requestFd }), crlfDelay: Infinity });
input.on('line', (line) => {
  let id = null;
  let response;
  try {
    const request = JSON.parse(line);
    id = request.id;
    response = { ok: true, ...handle(request, id) };
  } catch (err) {
    response = { ok: false, error: describe(err) };
  }
  stepInProgress = null;
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
      written += fs.writeSync(replyFd, bytes, written, bytes.length - written);
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

function handle(request, id) {
  switch (request.op) {
    case 'hello':
      return { runtime: flavour.runtime, version: flavour.version, protocol: 2 };
    case 'load': {
      const bytes = Buffer.from(request.wasm, 'base64');
      const compiled = new WebAssembly.Module(bytes);
      moduleBytes.set(compiled, bytes);
      modules.set(request.module, compiled);
      return {};
    }
    case 'open':
      openSession(request);
      return {};
    case 'step':
      return step(sessionNamed(request.session), request.step, id);
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
  if (session.live && !session.live.buffered) releaseInstanceFiles(session.live);
}

// ---- the WASI implementation -------------------------------------------------------------------

function parseCommandLine(args) {
  const parsed = { scratch: undefined, wasi: 'node', packages: undefined };
  for (const arg of args) {
    if (arg.startsWith('--wasi=')) parsed.wasi = arg.slice('--wasi='.length);
    else if (arg.startsWith('--packages=')) parsed.packages = arg.slice('--packages='.length);
    else if (arg.startsWith('--')) startupFailure(`unknown flag ${arg}`);
    else if (parsed.scratch === undefined) parsed.scratch = arg;
    else startupFailure(`unexpected argument ${arg}`);
  }
  if (parsed.scratch === undefined) startupFailure('no scratch directory given');
  return parsed;
}

function startupFailure(message) {
  process.stderr.write(`worker.mjs: ${message}\n`);
  process.exit(2);
}

// What differs between the implementations: how an instance's WASI object is made (`newLive`),
// what `run` does, and how an exit comes out of them.
async function chooseFlavour({ wasi, packages }) {
  const bun = typeof process.versions.bun === 'string';
  if (wasi === 'node') {
    return bun ? bunFlavour() : nodeFlavour();
  }
  if (bun) startupFailure(`--wasi=${wasi} runs on node only; under Bun the column is Bun's own node:wasi`);
  if (packages === undefined) startupFailure(`--wasi=${wasi} needs --packages=DIR (a directory with node_modules)`);
  // Library diagnostics printed with console.log go to this process's stderr, which the adapter
  // keeps, instead of into the replies on stdout. Guest output never goes through the console.
  console.log = console.info = console.debug = console.error;
  switch (wasi) {
    case 'wasm-util':
      return wasmUtilFlavour(await loadPackage(packages, '@tybys/wasm-util'));
    case 'browser-wasi-shim':
      return browserWasiShimFlavour(await loadPackage(packages, '@bjorn3/browser_wasi_shim'));
    default:
      return startupFailure(`unknown --wasi=${wasi} (node, wasm-util, browser-wasi-shim)`);
  }
}

// The package as node resolves it from DIR/node_modules, and its version from its package.json
// (whose `exports` do not list package.json, so it is found beside the resolved file).
async function loadPackage(dir, name) {
  const require = createRequire(path.join(path.resolve(dir), 'package.json'));
  let resolved;
  try {
    resolved = require.resolve(name);
  } catch (err) {
    startupFailure(`cannot find ${name} from ${dir}: ${err.message}`);
  }
  const namespace = await import(pathToFileURL(resolved).href);
  for (let at = path.dirname(resolved); ; at = path.dirname(at)) {
    const manifest = path.join(at, 'package.json');
    if (fs.existsSync(manifest)) {
      const json = JSON.parse(fs.readFileSync(manifest, 'utf8'));
      if (json.name === name) return { namespace, version: json.version };
    }
    if (path.dirname(at) === at) startupFailure(`no package.json of ${name} above ${resolved}`);
  }
}

function nodeFlavour() {
  return {
    runtime: 'node',
    version: process.version,
    label: "node's node:wasi",
    newLive: newLiveInstance,
    run,
    exitOf: (live, err) => (typeof err === 'symbol' ? { code: live.wasi[err] } : null),
    exitSurfaced: (err, where) =>
      typeof err === 'symbol' ? `thrown by ${where} as node's private exit symbol; the code read from the WASI object` : null,
    callExitSurfaced: (err) =>
      typeof err === 'symbol' ? "thrown out of the export call as node's private exit symbol; the code read from the WASI object" : null,
  };
}

// ---- steps -------------------------------------------------------------------------------------

function step(session, request, id) {
  const live = session.live;
  let outcome;
  const notes = { implicitCalls: [], surfaced: null };
  stepInProgress = { id, session, notes };
  switch (request.do) {
    case 'instantiate':
    case 'run':
      if (live) throw new Error('the session already has an instance');
      session.live = flavour.newLive(session, request.wasi);
      outcome = request.do === 'run' ? flavour.run(session.live, notes) : instantiate(session.live, notes);
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
// The other implementations likewise bind memory only in their start/initialize (wasm-util also
// in `finalizeBindings`, which the worker does not call): what their WASI functions do before
// that is their answer.
function instantiate(live, notes) {
  return makeInstance(live, notes) ?? returned([]);
}

// `run`: node's own policy, as documented for node:wasi: `wasi.start(instance)` for a module
// exporting `_start`, `wasi.initialize(instance)` otherwise. Both validate the exports and
// throw before any guest code runs when the module does not fit.
// node validates the exports before calling the entry point, throwing an error with an `ERR_*`
// code; any other exception came out of the entry point, so node did call it.
function run(live, notes) {
  const made = makeInstance(live, notes);
  if (made) return made;
  const exports = live.instance.exports;
  const beforeExit = live.exitCalls;
  const entry = '_start' in exports ? '_start' : '_initialize';
  if (typeof exports[entry] === 'function') {
    const method = entry === '_start' ? 'start' : 'initialize';
    announceEntry(
      [entry],
      `node's wasi.${method}() was running when the step ended without a reply; beyond checking the exports, its only work is calling \`${entry}\``,
    );
  }
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
    const refusedFirst = err !== null && typeof err === 'object' && typeof err.code === 'string' && err.code.startsWith('ERR_') && !wasiFunctionThatThrew(live, err);
    if (!refusedFirst && typeof exports[entry] === 'function') notes.implicitCalls.push(entry);
    if (typeof err === 'symbol') notes.surfaced = `thrown by wasi.${entry === '_start' ? 'start' : 'initialize'}() as node's private exit symbol; the code read from the WASI object`;
    return thrown(live, err, 'run');
  }
}

// `run` for the implementations other than node's node:wasi: the same policy (`start` when the
// module exports `_start`, else `initialize`), through the library's own method. An
// implementation without `initialize` (Bun's) is asked for its only entry point, `start`, and
// `surfaced` says so. Their refusals are plain errors (no `ERR_*` code), so the library is handed
// the instance's exports with `_start`/`_initialize` wrapped only to record whether it called them
// itself (see `observedInstance`); the outcome is whatever the method returned or threw.
function runObserved(live, notes) {
  const made = makeInstance(live, notes);
  if (made) return made;
  const wanted = '_start' in live.instance.exports ? 'start' : 'initialize';
  const method = typeof live.wasi[wanted] === 'function' ? wanted : flavour.insteadOf?.(wanted);
  if (typeof live.wasi[method] !== 'function') {
    return rejected('run', `the WASI object of ${flavour.label} has no ${wanted}() method`);
  }
  if (method !== wanted) notes.surfaced = flavour.calledInstead(wanted, method);
  const beforeExit = live.exitCalls;
  let value;
  try {
    value = live.wasi[method](observedInstance(live.instance, notes.implicitCalls));
  } catch (err) {
    notes.surfaced = flavour.exitSurfaced(err, `wasi.${method}()`) ?? notes.surfaced;
    return thrown(live, err, 'run');
  }
  if (live.exitCalls > beforeExit) {
    if (typeof value === 'number') {
      notes.surfaced = flavour.exitReturned(method);
      return exited(value);
    }
    notes.surfaced = `proc_exit was called and wasi.${method}() returned ${String(value)}`;
  }
  return returned([]);
}

// The instance as handed to a library's start()/initialize(): a frozen object whose `exports`
// hold the instance's own export values (the same memory, globals, tables, functions), except
// that `_start` and `_initialize`, when functions, record their name in `calls` and then call the
// instance's function with the same arguments, returning what it returns. None of these libraries
// checks that it was given a WebAssembly.Instance; they read `exports.memory`, `_start` and
// `_initialize` only.
function observedInstance(instance, calls) {
  const exports = Object.create(null);
  for (const [name, value] of Object.entries(instance.exports)) {
    const entry = (name === '_start' || name === '_initialize') && typeof value === 'function';
    exports[name] = entry ? recordingCall(name, value, calls) : value;
  }
  return Object.freeze({ exports: Object.freeze(exports) });
}

function recordingCall(name, fn, calls) {
  return {
    [name](...args) {
      calls.push(name);
      announceEntry([], `${flavour.label} had called \`${name}\` when the step ended without a reply`);
      return fn(...args);
    },
  }[name];
}

function call(live, { export: name, args, results }, notes) {
  if (!live || !live.instance) return rejected('call', 'there is no instance to call');
  const fn = live.instance.exports[name];
  if (typeof fn !== 'function') return rejected('call', `the instance has no exported function ${name}`);
  let value;
  try {
    value = fn(...args.map(fromWire));
  } catch (err) {
    const surfaced = flavour.callExitSurfaced(err);
    if (surfaced) notes.surfaced = surfaced;
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

// Returns an outcome when instantiation did not produce an instance, else null. A start section
// that calls proc_exit ends instantiation with the implementation's exit, which `surfaced` names.
function makeInstance(live, notes) {
  try {
    live.instance = new WebAssembly.Instance(live.module, live.imports);
    return null;
  } catch (err) {
    const surfaced = flavour.exitSurfaced(err, 'new WebAssembly.Instance() (the start section)');
    if (surfaced) notes.surfaced = surfaced;
    return thrown(live, err, 'instantiate');
  }
}

// ---- node's node:wasi: WASI context, wrapped imports, captured output -----------------------------

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
  live.imports = ownImportsCountingExit(live, live.wasi.getImportObject());
  return live;
}

// node's own import object, as `getImportObject()` gives it: its WASI functions are C++ bindings
// that V8 may call through its fast API path, and a JS closure around them would take the module
// off that path (a module with two memories makes node 22's V8 abort on it; wrapped, it ran).
// The one exception is `proc_exit`, which with `returnOnExit` is node's JavaScript function
// `wasiReturnOnProcExit` bound to the WASI object
// (https://github.com/nodejs/node/blob/3f9b57b68ea734c18d912862e2f78b479a10ac8a/lib/wasi.js, the constructor): one more JS frame around
// a JS function changes nothing the guest can see, and it is the only way to tell `proc_exit(0)`
// from a `_start` that returned, as `wasi.start()` returns 0 for both. Which WASI function threw
// is read from the error's stack instead (`importThatThrew`).
function ownImportsCountingExit(live, imports) {
  const own = {};
  for (const [namespace, functions] of Object.entries(imports)) {
    const exit = functions.proc_exit;
    if (typeof exit !== 'function' || exit.name !== 'bound wasiReturnOnProcExit') {
      throw new Error(`${process.version}'s node:wasi proc_exit is ${exit?.name ?? typeof exit}, not the bound JS function wasiReturnOnProcExit the worker was written for`);
    }
    own[namespace] = { ...functions, proc_exit: (...args) => {
      live.exitCalls += 1;
      return exit(...args);
    } };
    for (const [name, fn] of Object.entries(own[namespace])) {
      if (name !== 'proc_exit' && fn !== functions[name]) throw new Error(`harness bug: ${name} is not node's own function`);
    }
  }
  return own;
}

// The WASI functions of Bun and the polyfills are JavaScript, so the worker wraps each in a JS
// closure to learn (a) that the guest called `proc_exit` and (b) which errors came out of a WASI
// function rather than out of wasm: one more JS frame around a JS function changes nothing the
// guest can see.
function wrapImports(live, imports) {
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
  if (live.buffered) {
    const stdout = takeBuffered(live.stdout);
    const stderr = takeBuffered(live.stderr);
    return { stdout: stdout.bytes, stderr: stderr.bytes, stdoutDropped: stdout.dropped, stderrDropped: stderr.dropped };
  }
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

// ---- output written through callbacks (every implementation but node's) -------------------------

// What the implementation handed to its output callback, kept within the per-instance budget;
// the rest is counted as dropped. `take` returns what arrived since the last step.
function newBuffer(budget) {
  return { chunks: [], budget, dropped: 0 };
}

function keep(buffer, bytes) {
  const kept = Math.max(Math.min(bytes.length, buffer.budget), 0);
  // A copy: some implementations pass a view of the guest's memory.
  if (kept > 0) buffer.chunks.push(Buffer.from(bytes.subarray(0, kept)));
  buffer.budget -= kept;
  buffer.dropped += bytes.length - kept;
}

function takeBuffered(buffer) {
  const bytes = Buffer.concat(buffer.chunks).toString('base64');
  const dropped = buffer.dropped;
  buffer.chunks = [];
  buffer.dropped = 0;
  return { bytes, dropped };
}

// The line-buffered callbacks of the polyfills pass each complete line as a string without its
// newline; the guest wrote the line's bytes and then "\n". Both decode UTF-8 without `fatal`, so
// invalid bytes arrive as U+FFFD, and a last line without a newline is never passed at all.
const utf8 = new TextEncoder();
function keepLine(buffer, line) {
  keep(buffer, utf8.encode(`${line}\n`));
}

function newBufferedLive(session, wasi, imports) {
  const live = {
    buffered: true,
    module: session.module,
    wasi,
    instance: null,
    exitCalls: 0,
    importFailures: new WeakMap(),
    stdout: null,
    stderr: null,
  };
  live.imports = wrapImports(live, imports);
  return live;
}

// ---- Bun's node:wasi ------------------------------------------------------------------------------
//
// Bun implements `node:wasi` itself, in JavaScript (derived from wasi-js):
// https://github.com/oven-sh/bun/blob/bun-v1.4.5/src/js/node/wasi.ts
// What follows was read from the module source the Bun 1.4.5 binary carries
// (`String(require('node:wasi').WASI)` prints the class); the names below are its functions
// (no line anchors: the file at the tag could not be read here).
//
// - The constructor reads `args`, `env`, `preopens`, `bindings`, `sleep`, `getStdin`, `sendStdout`
//   and `sendStderr` only (class WASI, constructor): node's `version`, `returnOnExit`, `stdin`,
//   `stdout` and `stderr` are not read, so guest fds 0/1/2 are this process's own 0/1/2 (the
//   protocol's pipes) unless `getStdin`/`sendStdout`/`sendStderr` are given. They are given here,
//   and are the only way to keep the guest off the protocol: fd_write on 1/2 then calls them with
//   the bytes and no other fd is involved. A guest's fd_close(1) still closes this process's real
//   fd 1 (fd_close closes `stats.real`): Bun's behaviour, which the worker does not mind, as it
//   answers on a descriptor of its own.
// - `getStdin()` is called whenever Bun's stdin buffer is empty; it gets the step's stdin once and
//   then nothing (end of input).
// - There is no `getImportObject()`; `getImports(module)` throws for a module with no
//   `wasi_*` function import. The import object is node's shape, `{[namespace]: wasi.wasiImport}`,
//   with the namespace the module imports (`wasiImport` is the object both document).
// - `start(instance)` checks that `exports` is an object and `exports.memory` a Memory (plain
//   `Error`s), binds the memory and calls `exports._start()` if it is truthy; it checks nothing
//   about `_initialize`, has no started state (a second start() runs `_start` again) and returns
//   nothing. There is no `initialize()`: for a module without `_start`, `run` calls start() too
//   (Bun's only entry point; it binds memory and calls nothing, so `_initialize` never runs) and
//   says so in `surfaced`.
// - `proc_exit` calls `bindings.exit(code)`, by default `process.exit(code)` (getDefaults()): the
//   worker process ends mid-step and the adapter reports that. Nothing catches it here; the exit
//   hook sends what the step did until then (an `ending` reply).
// - Before start() binds memory, every WASI function that touches memory throws a TypeError out of
//   `refreshMemory` (`this.memory` is undefined).
// - JavaScriptCore, not Bun's WASI: a NaN loses its payload as soon as it is a JS number (the
//   worker's DataView decoding of a `call` argument, a result coming back), so `f32`/`f64` NaN
//   bits do not survive a `call` here; its error messages end in " (evaluating '<the JS
//   expression that called into wasm>')", which is this worker's (or Bun's) source text.
function bunFlavour() {
  return {
    runtime: 'bun',
    version: Bun.version,
    label: "Bun's node:wasi",
    newLive(session, wasi) {
      const stdout = newBuffer(session.outputBytes);
      const stderr = newBuffer(session.outputBytes);
      let stdin = Buffer.from(wasi.stdin, 'base64');
      const options = {
        args: wasi.args,
        env: Object.fromEntries(wasi.env),
        sendStdout: (bytes) => keep(stdout, bytes),
        sendStderr: (bytes) => keep(stderr, bytes),
        getStdin: () => {
          const rest = stdin;
          stdin = null;
          return rest;
        },
      };
      if (wasi.preopen) options.preopens = { [wasi.preopen.guest]: wasi.preopen.host };
      const instanceWasi = new WASI(options);
      const namespace = session.version === 'unstable' ? 'wasi_unstable' : 'wasi_snapshot_preview1';
      const live = newBufferedLive(session, instanceWasi, { [namespace]: instanceWasi.wasiImport });
      live.stdout = stdout;
      live.stderr = stderr;
      return live;
    },
    run: runObserved,
    // No initialize(): start() is Bun's only entry point, for every module.
    insteadOf: (method) => (method === 'initialize' ? 'start' : undefined),
    calledInstead: () => "Bun's node:wasi has no initialize(); its start() was called, which binds memory and calls _start only if exported",
    // proc_exit ends the process; nothing is ever thrown for it.
    exitOf: () => null,
    exitSurfaced: () => null,
    exitReturned: () => null,
    callExitSurfaced: () => null,
  };
}

// ---- @tybys/wasm-util -----------------------------------------------------------------------------
//
// Its WASI class follows node's API. Links are at the 0.10.0 source (https://github.com/toyobayashi/wasm-util/blob/a43fae714cea577748ec5d2b389573373ca7cd4c),
// whose logic in these places the published 0.10.5 (lib/mjs/wasi/*.mjs) carries unchanged:
// - `version` ('preview1'/'unstable'), `args`, `env`, `preopens`, `returnOnExit` as node's.
// - `returnOnExit` is false by default, and then proc_exit calls `process.exit(code)`
//   (https://github.com/toyobayashi/wasm-util/blob/a43fae714cea577748ec5d2b389573373ca7cd4c/src/wasi/preview1.ts#L1889-L1894). The worker passes `returnOnExit: true`, as it
//   does to node:wasi: proc_exit then stores the code and throws a private symbol
//   (https://github.com/toyobayashi/wasm-util/blob/a43fae714cea577748ec5d2b389573373ca7cd4c/src/wasi/index.ts#L306-L310), which start() catches and returns
//   (https://github.com/toyobayashi/wasm-util/blob/a43fae714cea577748ec5d2b389573373ca7cd4c/src/wasi/index.ts#L265-L285) and an export call or initialize() lets out.
// - stdout/stderr go to `print`/`printErr` callbacks, one call per complete line, without the
//   newline, decoded with TextDecoder; a partial line stays buffered and is never passed
//   (https://github.com/toyobayashi/wasm-util/blob/a43fae714cea577748ec5d2b389573373ca7cd4c/src/wasi/fd.ts#L79-L106). There are no stdio fd options (`stdio = [0, 1, 2]`).
// - stdin: fd_read(0) returns ENOTSUP unless `window.prompt` exists
//   (https://github.com/toyobayashi/wasm-util/blob/a43fae714cea577748ec5d2b389573373ca7cd4c/src/wasi/preview1.ts#L631-L636), so the step's stdin cannot reach the guest.
// - preopens need an `fs` option, a node-fs-like object (https://github.com/toyobayashi/wasm-util/blob/a43fae714cea577748ec5d2b389573373ca7cd4c/src/wasi/index.ts#L119-L128);
//   with a preopen, node's own `fs` is passed, so the guest sees the host directory. Without one
//   no `fs` is given (no filesystem, the library's default): fd_close, fd_read of fds other than 0,
//   … then throw 'filesystem is unavailable'. For `fs` calls guest fds 0/1/2 are this process's
//   own 0/1/2, so with a preopen a guest's fd_close(1) closes this process's fd 1
//   (https://github.com/toyobayashi/wasm-util/blob/a43fae714cea577748ec5d2b389573373ca7cd4c/src/wasi/preview1.ts#L340-L347); the worker answers on a descriptor of its own.
// - fd_write, fd_read and the other iovec functions return EINVAL for an iovec array at address 0
//   (https://github.com/toyobayashi/wasm-util/blob/a43fae714cea577748ec5d2b389573373ca7cd4c/src/wasi/preview1.ts#L859-L866), an ordinary address in wasm.
// - start() and initialize() call `finalizeBindings`, which throws 'WASI instance has already
//   started' the second time and binds `exports.memory` (TypeError when it is not a Memory), and
//   only then check `_start`/`_initialize` (TypeErrors, no `code`)
//   (https://github.com/toyobayashi/wasm-util/blob/a43fae714cea577748ec5d2b389573373ca7cd4c/src/wasi/index.ts#L240-L299): a start() refused for the exports still counts as started.
// - WASI functions called before memory is bound fail with a TypeError reading `buffer` of
//   undefined; WasiErrors inside WASI functions are printed with console.warn unless
//   NODE_ENV=production (https://github.com/toyobayashi/wasm-util/blob/a43fae714cea577748ec5d2b389573373ca7cd4c/src/wasi/preview1.ts#L88-L93), on this process's stderr.
function wasmUtilFlavour({ namespace, version }) {
  const { WASI: WasmUtilWASI } = namespace.WASI ? namespace : namespace.default;
  const exitByWhere = (err, where) =>
    typeof err === 'symbol' ? `thrown ${where} as wasm-util's private exit symbol (returnOnExit: true); the code read from the WASI object` : null;
  return {
    runtime: 'wasm-util',
    version,
    label: 'wasm-util',
    newLive(session, wasi) {
      const stdout = newBuffer(session.outputBytes);
      const stderr = newBuffer(session.outputBytes);
      const options = {
        version: session.version,
        args: wasi.args,
        env: Object.fromEntries(wasi.env),
        returnOnExit: true,
        print: (line) => keepLine(stdout, line),
        printErr: (line) => keepLine(stderr, line),
      };
      if (wasi.preopen) {
        options.preopens = { [wasi.preopen.guest]: wasi.preopen.host };
        options.fs = fs;
      }
      const instanceWasi = new WasmUtilWASI(options);
      const live = newBufferedLive(session, instanceWasi, instanceWasi.getImportObject());
      live.stdout = stdout;
      live.stderr = stderr;
      return live;
    },
    run: runObserved,
    exitOf: (live, err) => (typeof err === 'symbol' ? { code: live.wasi[err] } : null),
    exitSurfaced: (err, where) => exitByWhere(err, `by ${where}`),
    exitReturned: (method) => `wasi.${method}() returned the exit code (returnOnExit: true)`,
    callExitSurfaced: (err) => exitByWhere(err, 'out of the export call'),
  };
}

// ---- @bjorn3/browser_wasi_shim --------------------------------------------------------------------
//
// At v0.4.2 (the published dist/ is that source):
// - `new WASI(args, env, fds)`: `env` as "K=V" strings, `fds` the guest's descriptors in order.
//   As in its README: fd 0 an `OpenFile` of an in-memory `File` with the step's stdin, fds 1 and 2
//   `ConsoleStdout.lineBuffered(...)`, which passes each complete line without its newline and
//   keeps a partial line until a later newline, never flushing it (https://github.com/bjorn3/browser_wasi_shim/blob/v0.4.2/src/fs_mem.ts#L753-L767).
// - Without options, `new WASI` turns its debug log on (https://github.com/bjorn3/browser_wasi_shim/blob/v0.4.2/src/debug.ts#L10-L15); it goes
//   to console.log, which this worker sends to stderr.
// - It has no host filesystem. A preopen is a `PreopenDirectory` at the guest path holding an
//   in-memory copy of the host directory's files and subdirectories, made when the instance is
//   made; what the guest writes there stays in memory and never reaches the host directory.
// - Only `wasi_snapshot_preview1` is offered (its README's import object); a module importing
//   `wasi_unstable` fails to link.
// - start() stores the instance and calls `exports._start()` with no checks, catching
//   `WASIProcExit` and returning its code, else returning 0 (https://github.com/bjorn3/browser_wasi_shim/blob/v0.4.2/src/wasi.ts#L27-L42);
//   initialize() stores the instance and calls `exports._initialize()` if it is truthy, also with
//   `_start` exported (https://github.com/bjorn3/browser_wasi_shim/blob/v0.4.2/src/wasi.ts#L45-L52). No started state: a second start() runs
//   `_start` again; no memory check.
// - proc_exit throws `new WASIProcExit(code)` (https://github.com/bjorn3/browser_wasi_shim/blob/v0.4.2/src/wasi.ts#L868-L870,
//   https://github.com/bjorn3/browser_wasi_shim/blob/v0.4.2/src/wasi.ts#L12-L16): caught by start(), out of initialize() and export calls.
// - WASI functions called before start()/initialize() fail with a TypeError reading `exports` of
//   undefined (`self.inst`).
function browserWasiShimFlavour({ namespace, version }) {
  const { WASI: ShimWASI, WASIProcExit, File, Directory, OpenFile, PreopenDirectory, ConsoleStdout } = namespace;
  const exitByWhere = (err, where) => (err instanceof WASIProcExit ? `WASIProcExit thrown ${where}` : null);
  // The host directory as browser_wasi_shim's in-memory tree; entries that are neither files nor
  // directories (after following symlinks) are left out.
  const copyTree = (dir) => {
    const contents = new Map();
    for (const name of fs.readdirSync(dir)) {
      const full = path.join(dir, name);
      const stat = fs.statSync(full, { throwIfNoEntry: false });
      if (stat?.isDirectory()) contents.set(name, new Directory(copyTree(full)));
      else if (stat?.isFile()) contents.set(name, new File(fs.readFileSync(full)));
    }
    return contents;
  };
  return {
    runtime: 'browser-wasi-shim',
    version,
    label: 'browser_wasi_shim',
    newLive(session, wasi) {
      const stdout = newBuffer(session.outputBytes);
      const stderr = newBuffer(session.outputBytes);
      const fds = [
        new OpenFile(new File(Buffer.from(wasi.stdin, 'base64'))),
        ConsoleStdout.lineBuffered((line) => keepLine(stdout, line)),
        ConsoleStdout.lineBuffered((line) => keepLine(stderr, line)),
      ];
      if (wasi.preopen) fds.push(new PreopenDirectory(wasi.preopen.guest, copyTree(wasi.preopen.host)));
      const env = wasi.env.map(([key, value]) => `${key}=${value}`);
      const instanceWasi = new ShimWASI(wasi.args, env, fds);
      const live = newBufferedLive(session, instanceWasi, { wasi_snapshot_preview1: instanceWasi.wasiImport });
      live.stdout = stdout;
      live.stderr = stderr;
      return live;
    },
    run: runObserved,
    exitOf: (_live, err) => (err instanceof WASIProcExit ? { code: err.code } : null),
    exitSurfaced: (err, where) => exitByWhere(err, `from ${where}`),
    exitReturned: (method) => `WASIProcExit caught by wasi.${method}(), which returned its code`,
    callExitSurfaced: (err) => exitByWhere(err, 'out of the export call'),
  };
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
// (Each implementation's exit is `flavour.exitOf`: wasm-util does the same as node,
// browser_wasi_shim throws a WASIProcExit carrying the code.)
function thrown(live, err, phase) {
  const exit = flavour.exitOf(live, err);
  if (exit) return exited(exit.code);
  const isObject = err !== null && typeof err === 'object';
  return {
    kind: 'threw',
    phase,
    name: isObject && err.constructor ? err.constructor.name : typeof err,
    code: isObject && typeof err.code === 'string' ? err.code : null,
    message: isObject && 'message' in err ? String(err.message) : String(err),
    fromImport: isObject ? wasiFunctionThatThrew(live, err) : null,
  };
}

// The WASI function an error came out of, or null: recorded by the wrapper where there is one,
// else read from the stack.
function wasiFunctionThatThrew(live, err) {
  if (err === null || typeof err !== 'object') return null;
  return live.importFailures.get(err) ?? importThatThrew(live, err);
}

// node's WASI functions are C++ and leave no frame of their own: an error they throw has, as its
// first frame, the wasm function that called them, at the offset of its `call` instruction
// (V8 prints `wasm://wasm/<hash>:wasm-function[N]:0x<offset>`, a module offset). The function
// index that instruction calls names the import. A trap is a RuntimeError and is not looked at.
function importThatThrew(live, err) {
  if (err instanceof WebAssembly.RuntimeError || typeof err.stack !== 'string') return null;
  const firstFrame = err.stack.split('\n').find((line) => line.trimStart().startsWith('at '));
  const at = /wasm-function\[\d+\]:0x([0-9a-f]+)\)?$/.exec(firstFrame?.trim() ?? '');
  const bytes = moduleBytes.get(live.module);
  if (!at || !bytes) return null;
  const offset = Number.parseInt(at[1], 16);
  const CALL = 0x10;
  const RETURN_CALL = 0x12;
  if (bytes[offset] !== CALL && bytes[offset] !== RETURN_CALL) return null;
  let index = 0;
  for (let shift = 0, i = offset + 1; i < bytes.length && shift < 35; shift += 7, i += 1) {
    index += (bytes[i] & 0x7f) * 2 ** shift;
    if ((bytes[i] & 0x80) === 0) break;
  }
  const imported = WebAssembly.Module.imports(live.module).filter((i) => i.kind === 'function');
  return index < imported.length ? imported[index].name : null;
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
