// A reactor whose exports abort. With the WASI shim, `abort` (which `throw` and the standard
// library's range checks call) writes "abort: MESSAGE in FILE(LINE:COL)" to stderr and calls
// `proc_exit(255)`: an exit, not a trap. `abort_now` calls it; `at(i)` indexes a global
// array [10, 20, 30] the top-level code fills; `trap` is the `unreachable` instruction.
// build: reactor
const tens: i32[] = [10, 20, 30];

export function abort_now(): void {
  throw new Error("abort_now called");
}

export function at(index: i32): i32 {
  return tens[index];
}

export function trap(): void {
  unreachable();
}
