// A counter the top-level code sets to 100; built as a reactor, that code is exported as
// `_initialize`. `bump` returns the incremented value; without `_initialize` it counts from 0.
// build: reactor
let counter: i32 = 0;
counter = 100;

export function bump(): i32 {
  return ++counter;
}
