// Prints its arguments (argv[0] included) and GREETING if set. With EXIT_CODE set it calls
// `process.exit`, which is `proc_exit` with that i32 as is; without it the top-level code ends
// and AssemblyScript's `_start` returns.
const argv = process.argv;
for (let i = 0; i < argv.length; i++) {
  console.log("argv[" + i.toString() + "]=" + argv[i]);
}
const env = process.env;
if (env.has("GREETING")) {
  console.log("GREETING=" + env.get("GREETING"));
}
if (env.has("EXIT_CODE")) {
  process.exit(I32.parseInt(env.get("EXIT_CODE")));
}
