package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Set in the environment of a child process that should act as the worker itself, so the pipe
// tests talk to the real serve loop without a separate build.
const childEnv = "EXECMODEL_WAZERO_WORKER_CHILD"

func TestMain(m *testing.M) {
	if engine := os.Getenv(childEnv); engine != "" {
		w, err := newWorker(engine, "")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		err = serve(w, os.Stdin, os.Stdout)
		w.shutdown()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var corpus = filepath.Join("..", "..", "..", "corpus")

// ---- an in-process client -------------------------------------------------------------------

type client struct {
	t      *testing.T
	w      *worker
	nextID int
	loaded map[string]bool
}

func newClient(t *testing.T, engine string) *client {
	t.Helper()
	w, err := newWorker(engine, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.shutdown)
	return &client{t: t, w: w, loaded: map[string]bool{}}
}

func (c *client) send(req map[string]any) map[string]any {
	c.t.Helper()
	c.nextID++
	req["id"] = c.nextID
	line, err := json.Marshal(req)
	if err != nil {
		c.t.Fatal(err)
	}
	out := c.w.handleLine(line)
	if bytes.Count(out, []byte("\n")) != 1 || out[len(out)-1] != '\n' {
		c.t.Fatalf("reply is not one line: %q", out)
	}
	answer := decode(c.t, out)
	if got := answer["id"]; got != json.Number(fmt.Sprint(c.nextID)) {
		c.t.Fatalf("reply id %v for request %d", got, c.nextID)
	}
	return answer
}

func decode(t *testing.T, line []byte) map[string]any {
	t.Helper()
	decoder := json.NewDecoder(bytes.NewReader(line))
	decoder.UseNumber()
	var answer map[string]any
	if err := decoder.Decode(&answer); err != nil {
		t.Fatalf("reply %q is not JSON: %v", line, err)
	}
	return answer
}

func (c *client) ok(req map[string]any) map[string]any {
	c.t.Helper()
	answer := c.send(req)
	if answer["ok"] != true {
		c.t.Fatalf("request %v failed: %v", req["op"], answer["error"])
	}
	return answer
}

// open loads `file` (once) and opens a session on it.
func (c *client) open(file, session string, outputBytes, memoryBytes int) {
	c.t.Helper()
	if !c.loaded[file] {
		wasm, err := os.ReadFile(filepath.Join(corpus, file))
		if err != nil {
			c.t.Fatal(err)
		}
		c.ok(map[string]any{"op": "load", "module": file, "wasm": base64.StdEncoding.EncodeToString(wasm)})
		c.loaded[file] = true
	}
	c.ok(map[string]any{"op": "open", "session": session, "module": file, "outputBytes": outputBytes, "memoryBytes": memoryBytes})
}

func (c *client) step(session string, step map[string]any) map[string]any {
	c.t.Helper()
	return c.ok(map[string]any{"op": "step", "session": session, "step": step})
}

func wasi(args ...string) map[string]any {
	return map[string]any{"args": args, "env": [][]string{}, "stdin": "", "preopen": nil}
}

func callStep(export string, args []map[string]any, results ...string) map[string]any {
	if args == nil {
		args = []map[string]any{}
	}
	if results == nil {
		results = []string{}
	}
	return map[string]any{"do": "call", "export": export, "args": args, "results": results}
}

func outcome(t *testing.T, answer map[string]any) map[string]any {
	t.Helper()
	o, ok := answer["outcome"].(map[string]any)
	if !ok {
		t.Fatalf("no outcome in %v", answer)
	}
	return o
}

func expectKind(t *testing.T, answer map[string]any, want ...string) map[string]any {
	t.Helper()
	o := outcome(t, answer)
	got := []string{fmt.Sprint(o["kind"])}
	for _, field := range []string{"trap", "stage", "code"} {
		if v, ok := o[field]; ok && len(got) < len(want) {
			got = append(got, fmt.Sprint(v))
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("outcome %v, want %v (reply %v)", got, want, answer)
	}
	return o
}

func stdoutOf(t *testing.T, answer map[string]any) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(answer["stdout"].(string))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func implicit(answer map[string]any) string { return fmt.Sprint(answer["implicitCalls"]) }

func i32(v int32) map[string]any {
	return map[string]any{"type": "i32", "bits": fmt.Sprint(uint32(v))}
}

func i64(v int64) map[string]any {
	return map[string]any{"type": "i64", "bits": fmt.Sprint(uint64(v))}
}

// ---- small modules assembled here ----------------------------------------------------------

func wasmModule(sections ...[]byte) []byte {
	return append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Join(sections, nil)...)
}

// section joins its parts under a one-byte LEB128 size, so it must stay under 128 bytes.
func section(id byte, parts ...[]byte) []byte {
	content := bytes.Join(parts, nil)
	if len(content) >= 128 {
		panic("section too long for a one-byte size")
	}
	return append([]byte{id, byte(len(content))}, content...)
}

func wasmName(text string) []byte { return append([]byte{byte(len(text))}, text...) }

// body is a function body without locals.
func body(code ...byte) []byte { return append([]byte{byte(len(code) + 1), 0}, code...) }

// spin(n i32) counts n down to zero: guest time without host calls.
var spinWasm = wasmModule(
	section(1, []byte{1, 0x60, 1, 0x7f, 0}),
	section(3, []byte{1, 0}),
	section(7, []byte{1}, wasmName("spin"), []byte{0, 0}),
	// loop; local.tee 0 (local.get 0 - 1); br_if 0; end
	section(10, []byte{1}, body(0x03, 0x40, 0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b, 0x0b)),
)

// quit calls proc_exit(7); write enters an empty loop, then calls fd_write(1, 0, 0, 0).
var reenterWasm = wasmModule(
	section(1, []byte{3, 0x60, 1, 0x7f, 0, 0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f, 0x60, 0, 0}),
	section(2, []byte{2},
		wasmName("wasi_snapshot_preview1"), wasmName("proc_exit"), []byte{0, 0},
		wasmName("wasi_snapshot_preview1"), wasmName("fd_write"), []byte{0, 1}),
	section(3, []byte{2, 2, 2}),
	section(5, []byte{1, 0, 1}),
	section(7, []byte{3}, wasmName("quit"), []byte{0, 2}, wasmName("write"), []byte{0, 3}, wasmName("memory"), []byte{2, 0}),
	section(10, []byte{2},
		body(0x41, 7, 0x10, 0, 0x0b),
		body(0x03, 0x40, 0x0b, 0x41, 1, 0x41, 0, 0x41, 0, 0x41, 0, 0x10, 1, 0x1a, 0x0b)),
)

// procExitWasm is a command whose _start calls proc_exit(3), imported from the first of
// `namespaces`; it imports proc_exit from each of the others too.
func procExitWasm(namespaces ...string) []byte {
	imports := [][]byte{{byte(len(namespaces))}}
	for _, namespace := range namespaces {
		imports = append(imports, wasmName(namespace), wasmName("proc_exit"), []byte{0, 0})
	}
	return wasmModule(
		section(1, []byte{2, 0x60, 1, 0x7f, 0, 0x60, 0, 0}),
		section(2, imports...),
		section(3, []byte{1, 1}),
		section(7, []byte{1}, wasmName("_start"), []byte{0, byte(len(namespaces))}),
		section(10, []byte{1}, body(0x41, 3, 0x10, 0, 0x0b)),
	)
}

// loadAndOpen loads `wasm` as a module named like the session and opens the session with
// `extra` added to the open request.
func (c *client) loadAndOpen(wasm []byte, session string, extra map[string]any) {
	c.t.Helper()
	c.ok(map[string]any{"op": "load", "module": session, "wasm": base64.StdEncoding.EncodeToString(wasm)})
	req := map[string]any{"op": "open", "session": session, "module": session, "outputBytes": 1024, "memoryBytes": 64 << 20}
	for key, value := range extra {
		req[key] = value
	}
	c.ok(req)
}

// openWasm is loadAndOpen followed by an instantiate step that must return.
func (c *client) openWasm(wasm []byte, session string, extra map[string]any) {
	c.t.Helper()
	c.loadAndOpen(wasm, session, extra)
	expectKind(c.t, c.step(session, map[string]any{"do": "instantiate", "wasi": wasi(session)}), "returned")
}

// ---- tests ----------------------------------------------------------------------------------

func TestHello(t *testing.T) {
	for _, engine := range []string{engineCompiler, engineInterpreter} {
		c := newClient(t, engine)
		answer := c.ok(map[string]any{"op": "hello"})
		if answer["runtime"] != "wazero" || answer["version"] != "v1.12.0" ||
			answer["protocol"] != json.Number("2") || answer["engine"] != engine {
			t.Fatalf("hello: %v", answer)
		}
	}
}

func TestProtocolErrors(t *testing.T) {
	c := newClient(t, engineCompiler)
	if a := decode(t, c.w.handleLine([]byte("{not json"))); a["ok"] != false || a["id"] != nil {
		t.Fatalf("malformed line: %v", a)
	}
	if a := decode(t, c.w.handleLine([]byte(`{"id":7,"op":"frobnicate"}`))); a["ok"] != false || a["id"] != json.Number("7") {
		t.Fatalf("unknown op: %v", a)
	}
	if a := c.send(map[string]any{"op": "step", "session": "nope", "step": map[string]any{"do": "memory"}}); a["ok"] != false {
		t.Fatalf("unknown session: %v", a)
	}
	a := c.send(map[string]any{"op": "load", "module": "bad", "wasm": base64.StdEncoding.EncodeToString([]byte("\x00asm\x01\x00\x00\x00\x05"))})
	if a["ok"] != false || a["compile"] != true || a["error"] == "" {
		t.Fatalf("compile error: %v", a)
	}
	c.ok(map[string]any{"op": "close", "session": "never-opened"})
}

// The step budget is the adapter's (CPU time of this process): a `deadlineMs` in `open`, which
// older adapters send, is accepted and does not bound the step.
func TestDeadlineMsIsIgnored(t *testing.T) {
	c := newClient(t, engineCompiler)
	c.openWasm(spinWasm, "spin", map[string]any{"deadlineMs": 1})
	began := time.Now()
	expectKind(t, c.step("spin", callStep("spin", []map[string]any{i32(10_000_000)})), "returned")
	t.Logf("10^7 iterations took %v", time.Since(began))
}

// The runtime config is wazero's default: with WithCloseOnContextDone(true), every loop header
// checks whether the module was closed, so `write` on a module that proc_exit closed would be
// `exited 7`; by default it reaches fd_write, which crashes on the closed WASI state.
func TestReenteringAnExitedModuleIsWazerosOwnCrash(t *testing.T) {
	for _, engine := range []string{engineCompiler, engineInterpreter} {
		t.Run(engine, func(t *testing.T) {
			c := newClient(t, engine)
			c.openWasm(reenterWasm, "s", nil)
			expectKind(t, c.step("s", callStep("write", nil)), "returned")
			expectKind(t, c.step("s", callStep("quit", nil)), "exited", "7")
			o := expectKind(t, c.step("s", callStep("write", nil)), "crashed")
			if !strings.HasPrefix(o["message"].(string), "runtime error: invalid memory address or nil pointer dereference (recovered by wazero)") {
				t.Fatalf("re-entry: %v", o)
			}
		})
	}
}

func TestExitCodesKeepAllBits(t *testing.T) {
	c := newClient(t, engineCompiler)
	c.open("wat/exit_1000.wasm", "s", 1024, 64<<20)
	answer := c.step("s", map[string]any{"do": "run", "wasi": wasi("exit")})
	expectKind(t, answer, "exited", "1000")
	if answer["surfaced"] != "sys.ExitError from InstantiateModule" || implicit(answer) != "[_start]" || answer["hasInstance"] != true {
		t.Fatalf("exit 1000: %v", answer)
	}
	// A call on the closed module: whatever wazero says is recorded.
	after := c.step("s", callStep("_start", nil))
	t.Logf("_start again after exit 1000: %v", outcome(t, after))

	c.open("wat/exit_minus_1.wasm", "m", 1024, 64<<20)
	expectKind(t, c.step("m", map[string]any{"do": "run", "wasi": wasi("exit")}), "exited", "4294967295")
}

func TestExitZeroFromStartIsNoError(t *testing.T) {
	c := newClient(t, engineCompiler)
	c.open("wat/initialize_exits_zero.wasm", "s", 1024, 64<<20)
	expectKind(t, c.step("s", map[string]any{"do": "instantiate", "wasi": wasi("r")}), "returned")
	// Called directly, wazero reports the exit 0 as an ExitError.
	answer := c.step("s", callStep("_initialize", nil))
	expectKind(t, answer, "exited", "0")
	if stdoutOf(t, answer) != "initialize\n" {
		t.Fatalf("stdout: %v", answer)
	}
	t.Logf("bump after exit 0: %v", outcome(t, c.step("s", callStep("bump", nil, "i32"))))
}

// expectUnstableUnlinked checks wazero's own refusal of an import from wasi_unstable.
func expectUnstableUnlinked(t *testing.T, answer map[string]any) {
	t.Helper()
	o := expectKind(t, answer, "rejected", "link")
	if o["message"] != "module[wasi_unstable] not instantiated" || o["by"] != "runtime" ||
		answer["hasInstance"] != false || implicit(answer) != "[]" {
		t.Fatalf("wasi_unstable import: %v", answer)
	}
}

// The worker offers WASI as wazero's library does, under wasi_snapshot_preview1 only.
func TestWasiUnstableDoesNotLink(t *testing.T) {
	for _, engine := range []string{engineCompiler, engineInterpreter} {
		t.Run(engine, func(t *testing.T) {
			c := newClient(t, engine)
			for _, do := range []string{"instantiate", "run"} {
				c.loadAndOpen(procExitWasm("wasi_unstable"), do, nil)
				expectUnstableUnlinked(t, c.step(do, map[string]any{"do": do, "wasi": wasi(do)}))
			}
		})
	}
}

// A module importing from both names links under neither wazero nor cmd/wazero (which offers
// one name per module), so it must not run here either; with preview1 alone it runs.
func TestOnlyPreview1Links(t *testing.T) {
	for _, engine := range []string{engineCompiler, engineInterpreter} {
		t.Run(engine, func(t *testing.T) {
			c := newClient(t, engine)
			c.loadAndOpen(procExitWasm("wasi_snapshot_preview1"), "preview1", nil)
			answer := c.step("preview1", map[string]any{"do": "run", "wasi": wasi("preview1")})
			expectKind(t, answer, "exited", "3")
			if implicit(answer) != "[_start]" {
				t.Fatalf("preview1 run: %v", answer)
			}
			c.loadAndOpen(procExitWasm("wasi_snapshot_preview1", "wasi_unstable"), "both", nil)
			expectUnstableUnlinked(t, c.step("both", map[string]any{"do": "run", "wasi": wasi("both")}))
		})
	}
}

func TestUnknownImportIsALinkError(t *testing.T) {
	c := newClient(t, engineCompiler)
	c.open("wat/unknown_import.wasm", "s", 1024, 64<<20)
	answer := c.step("s", map[string]any{"do": "run", "wasi": wasi("x")})
	o := expectKind(t, answer, "rejected", "link")
	if o["by"] != "runtime" || answer["hasInstance"] != false {
		t.Fatalf("link error: %v", answer)
	}
}

func TestCommandEchoArgsEnvAndOutputCap(t *testing.T) {
	c := newClient(t, engineCompiler)
	c.open("c/command_echo.wasm", "s", 1<<20, 64<<20)
	config := wasi("echo", "one", "two words")
	config["env"] = [][]string{{"GREETING", "hello there"}}
	answer := c.step("s", map[string]any{"do": "run", "wasi": config})
	expectKind(t, answer, "returned")
	want := "argv[0]=echo\nargv[1]=one\nargv[2]=two words\nGREETING=hello there\n"
	if got := stdoutOf(t, answer); got != want {
		t.Fatalf("stdout %q, want %q", got, want)
	}
	if implicit(answer) != "[_start]" {
		t.Fatalf("implicit calls: %v", answer)
	}

	// main returning 3 becomes proc_exit(3) in wasi-libc's _start.
	c.open("c/command_echo.wasm", "e", 1<<20, 64<<20)
	config = wasi("echo")
	config["env"] = [][]string{{"EXIT_CODE", "3"}}
	expectKind(t, c.step("e", map[string]any{"do": "run", "wasi": config}), "exited", "3")

	// A cap of 10 bytes keeps the first 10 and counts the rest.
	c.open("c/command_echo.wasm", "capped", 10, 64<<20)
	answer = c.step("capped", map[string]any{"do": "run", "wasi": wasi("echo", "abc")})
	if got := stdoutOf(t, answer); got != "argv[0]=ec" {
		t.Fatalf("capped stdout %q", got)
	}
	if answer["stdoutDropped"] != json.Number(fmt.Sprint(len("argv[0]=echo\nargv[1]=abc\n")-10)) {
		t.Fatalf("dropped: %v", answer)
	}
}

func TestStackOverflow(t *testing.T) {
	for _, engine := range []string{engineCompiler, engineInterpreter} {
		t.Run(engine, func(t *testing.T) {
			c := newClient(t, engine)
			c.open("wat/stack_overflow.wasm", "run", 1024, 64<<20)
			o := expectKind(t, c.step("run", map[string]any{"do": "run", "wasi": wasi("so")}), "trapped", "stack-overflow")
			t.Logf("%s run: %q", engine, firstLine(o["message"].(string)))
			c.open("wat/stack_overflow.wasm", "call", 1024, 64<<20)
			expectKind(t, c.step("call", map[string]any{"do": "instantiate", "wasi": wasi("so")}), "returned")
			expectKind(t, c.step("call", callStep("_start", nil)), "trapped", "stack-overflow")
			// A trap does not close the module: it traps the same way again.
			expectKind(t, c.step("call", callStep("_start", nil)), "trapped", "stack-overflow")
		})
	}
}

func TestMemoryBombIsBounded(t *testing.T) {
	c := newClient(t, engineCompiler)
	c.open("wat/memory_bomb.wasm", "s", 1024, 64<<20)
	expectKind(t, c.step("s", map[string]any{"do": "instantiate", "wasi": wasi("bomb")}), "returned")
	expectKind(t, c.step("s", callStep("_start", nil)), "trapped", "unreachable")
	pages := outcome(t, c.step("s", map[string]any{"do": "memory"}))["values"].([]any)[0].(map[string]any)
	if pages["bits"] != "1024" {
		t.Fatalf("pages after the bomb under a 64 MiB cap: %v", pages)
	}
	// Reading past the end is refused by the harness with the exact text.
	o := expectKind(t, c.step("s", map[string]any{"do": "read", "offset": 64 << 20, "length": 1}), "rejected", "call")
	if o["message"] != "memory access of 1 bytes at 67108864 is outside the memory (67108864 bytes)" || o["by"] != "harness" {
		t.Fatalf("out of range read: %v", o)
	}
	// A cap below the declared minimum fails the instantiation.
	c.open("wat/memory_bomb.wasm", "tiny", 1024, 1000)
	o = expectKind(t, c.step("tiny", map[string]any{"do": "run", "wasi": wasi("bomb")}), "rejected", "instantiate")
	if !strings.Contains(o["message"].(string), "over limit") {
		t.Fatalf("under the minimum: %v", o)
	}
}

func TestTypedValues(t *testing.T) {
	c := newClient(t, engineCompiler)
	c.open("wat/typed_values.wasm", "s", 1024, 64<<20)
	expectKind(t, c.step("s", map[string]any{"do": "instantiate", "wasi": wasi("tv")}), "returned")
	values := func(answer map[string]any) string {
		var parts []string
		for _, v := range outcome(t, answer)["values"].([]any) {
			value := v.(map[string]any)
			parts = append(parts, fmt.Sprintf("%v:%v", value["type"], value["bits"]))
		}
		return strings.Join(parts, " ")
	}
	if got := values(c.step("s", callStep("add_i64", []map[string]any{i64(5000000000), i64(-1)}, "i64"))); got != "i64:4999999999" {
		t.Fatalf("add_i64: %s", got)
	}
	if got := values(c.step("s", callStep("negate_i32", []map[string]any{i32(-2147483648)}, "i32"))); got != "i32:2147483648" {
		t.Fatalf("negate_i32: %s", got)
	}
	if got := values(c.step("s", callStep("half_f32", []map[string]any{{"type": "f32", "bits": "1077936128"}}, "f32"))); got != "f32:1069547520" {
		t.Fatalf("half_f32: %s", got)
	}
	nan := map[string]any{"type": "f64", "bits": fmt.Sprint(uint64(0x7ff8000000000001))}
	if got := values(c.step("s", callStep("neg_f64", []map[string]any{nan}, "f64"))); got != fmt.Sprintf("f64:%d", uint64(0xfff8000000000001)) {
		t.Fatalf("neg_f64 of a NaN: %s", got)
	}
	if got := values(c.step("s", callStep("swap", []map[string]any{i32(1), i64(2)}, "i64", "i32"))); got != "i64:2 i32:1" {
		t.Fatalf("swap: %s", got)
	}
	o := expectKind(t, c.step("s", callStep("add_i64", []map[string]any{i32(1), i32(2)}, "i64")), "rejected", "call")
	if o["message"] != "export add_i64 takes (i64, i64) but the step passes (i32, i32)" || o["by"] != "harness" {
		t.Fatalf("wrong types: %v", o)
	}
	expectKind(t, c.step("s", callStep("negate_i32", nil, "i32")), "rejected", "call")
	expectKind(t, c.step("s", callStep("swap", []map[string]any{i32(1), i64(2)}, "i32")), "rejected", "call")
	o = expectKind(t, c.step("s", callStep("nope", nil)), "rejected", "call")
	if o["message"] != "the instance has no exported function nope" {
		t.Fatalf("missing export: %v", o)
	}
}

func TestStartSectionOutcomes(t *testing.T) {
	c := newClient(t, engineCompiler)
	c.open("wat/start_section_exits.wasm", "e", 1024, 64<<20)
	answer := c.step("e", map[string]any{"do": "instantiate", "wasi": wasi("x")})
	expectKind(t, answer, "exited", "3")
	if answer["surfaced"] != "sys.ExitError from the start section" || answer["hasInstance"] != false {
		t.Fatalf("start section exit: %v", answer)
	}
	c.open("wat/start_section_traps.wasm", "t", 1024, 64<<20)
	expectKind(t, c.step("t", map[string]any{"do": "run", "wasi": wasi("x")}), "trapped", "unreachable")
	c.open("wat/start_with_params.wasm", "p", 1024, 64<<20)
	expectKind(t, c.step("p", map[string]any{"do": "run", "wasi": wasi("x")}), "rejected", "run")
}

// ---- the real serve loop over pipes ---------------------------------------------------------

type child struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	nextID int
}

func startChild(t *testing.T) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+engineCompiler)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, cmd: cmd, stdin: stdin, stdout: bufio.NewReader(stdout)}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return c
}

// request sends one line and reads one whole reply line, however long.
func (c *child) request(req map[string]any) (map[string]any, int) {
	c.t.Helper()
	c.nextID++
	req["id"] = c.nextID
	line, _ := json.Marshal(req)
	if _, err := c.stdin.Write(append(line, '\n')); err != nil {
		c.t.Fatal(err)
	}
	reply, err := c.stdout.ReadBytes('\n')
	if err != nil {
		c.t.Fatalf("reading the reply: %v", err)
	}
	answer := decode(c.t, reply)
	if answer["ok"] != true || answer["id"] != json.Number(fmt.Sprint(c.nextID)) {
		c.t.Fatalf("request %v: %v", req["op"], answer)
	}
	return answer, len(reply)
}

func TestLargeReplyOverAPipe(t *testing.T) {
	c := startChild(t)
	wasm, err := os.ReadFile(filepath.Join(corpus, "wat", "memory_bomb.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	c.request(map[string]any{"op": "hello"})
	c.request(map[string]any{"op": "load", "module": "bomb", "wasm": base64.StdEncoding.EncodeToString(wasm)})
	c.request(map[string]any{"op": "open", "session": "s", "module": "bomb", "outputBytes": 1024, "memoryBytes": 4 << 20})
	step := func(s map[string]any) (map[string]any, int) {
		return c.request(map[string]any{"op": "step", "session": "s", "step": s})
	}
	step(map[string]any{"do": "instantiate", "wasi": wasi("bomb")})
	// Grow the memory to the 4 MiB cap, then write and read back 3 MiB through the pipe.
	answer, _ := step(callStep("_start", nil))
	expectKind(t, answer, "trapped", "unreachable")
	pattern := make([]byte, 3<<20)
	if _, err := rand.Read(pattern); err != nil {
		t.Fatal(err)
	}
	answer, _ = step(map[string]any{"do": "write", "offset": 1 << 20, "bytes": base64.StdEncoding.EncodeToString(pattern)})
	expectKind(t, answer, "returned")
	answer, size := step(map[string]any{"do": "read", "offset": 1 << 20, "length": len(pattern)})
	got, err := base64.StdEncoding.DecodeString(outcome(t, answer)["bytes"].(string))
	if err != nil || !bytes.Equal(got, pattern) {
		t.Fatalf("read back %d bytes (err %v), want the %d written", len(got), err, len(pattern))
	}
	if size < 4<<20 {
		t.Fatalf("reply of %d bytes is too short", size)
	}
	// The worker exits when its stdin closes.
	_ = c.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("worker exit: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the worker did not exit after stdin closed")
	}
}

func TestPanicInHandlingIsAnsweredNotFatal(t *testing.T) {
	c := newClient(t, engineCompiler)
	// A session whose module is missing makes the instantiate step dereference nil.
	c.w.sessions["broken"] = &session{stdout: newCapture(0), stderr: newCapture(0)}
	answer := c.send(map[string]any{"op": "step", "session": "broken", "step": map[string]any{"do": "run", "wasi": wasi("x")}})
	if answer["ok"] != false || !strings.Contains(fmt.Sprint(answer["error"]), "the worker panicked") {
		t.Fatalf("panic reply: %v", answer)
	}
	c.ok(map[string]any{"op": "hello"})
}

// A run step says, before wazero enters `_start` by itself, that it is about to: if the step
// then spends its budget the adapter kills the process and keeps only that. A module with a
// start section is not announced: its time could be the start section's.
func TestRunAnnouncesTheEntryWazeroCalls(t *testing.T) {
	c := newClient(t, engineCompiler)
	var said []map[string]any
	c.w.say = func(line []byte) { said = append(said, decode(t, line)) }
	c.open("wat/exit_256.wasm", "plain", 1024, 1<<20)
	c.step("plain", map[string]any{"do": "run", "wasi": wasi("plain")})
	if len(said) != 1 || said[0]["entered"] != true || fmt.Sprint(said[0]["implicitCalls"]) != "[_start]" {
		t.Fatalf("interim replies %v, want one entering _start", said)
	}
	if said[0]["id"] != json.Number(fmt.Sprint(c.nextID)) {
		t.Fatalf("interim reply id %v for request %d", said[0]["id"], c.nextID)
	}
	said = nil
	c.open("wat/start_section.wasm", "section", 1024, 1<<20)
	c.step("section", map[string]any{"do": "run", "wasi": wasi("section")})
	if len(said) != 0 {
		t.Fatalf("interim replies %v for a module with a start section", said)
	}
}
