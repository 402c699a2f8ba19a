// A command that also exports `bump`, a counter the top-level code sets to 100. AssemblyScript
// wraps the top-level code in the exported `_start`, behind a flag that makes any later call
// return at once; `bump` has no wrapper, so before `_start` it counts from 0, after it from 100.
// build: command-with-exports
let counter: i32 = 0;
counter = 100;
console.log("main sees " + counter.toString());

export function bump(): i32 {
  return ++counter;
}
