package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

const (
	engineCompiler    = "compiler"
	engineInterpreter = "interpreter"

	protocolVersion = 2
	wazeroModule    = "github.com/tetratelabs/wazero"
	// Used when the binary carries no module build information (e.g. some test binaries).
	wazeroVersionFallback = "v1.12.0"

	pageBytes = 65536
	// wasm32's whole address space, and the largest limit WithMemoryLimitPages accepts.
	maxPages = 65536
)

// worker holds everything that outlives one request: the runtimes, the loaded modules and the
// open sessions. Requests are handled one at a time, on one goroutine.
type worker struct {
	engine string
	ctx    context.Context
	// Shared by every runtime. Runtimes configured with the same cache share one engine, so a
	// module compiled under one memory limit is not compiled again under another: the limit is
	// applied to the decoded module, not to the machine code (wazero's cache_test.go checks this
	// as "memory limit should not affect caches"). With EXECMODEL_WAZERO_CACHE unset the cache
	// only lives in memory, for the life of this process.
	cache wazero.CompilationCache
	// One runtime per memory limit, keyed by the limit in pages.
	runtimes map[uint32]wazero.Runtime
	modules  map[string]*loadedModule
	sessions map[string]*session
	// Writes one line to the adapter before the request's reply (set by serve; nil in tests and
	// probes, where nothing kills the process midway), and the id of the request being handled.
	say       func(line []byte)
	currentID json.RawMessage
}

type loadedModule struct {
	wasm     []byte
	compiled map[uint32]wazero.CompiledModule
}

type session struct {
	module      *loadedModule
	pages       uint32
	memoryBytes int64
	started     bool       // an instantiate or run step was taken
	instance    api.Module // may be closed; nil when instantiation gave no module
	stdout      *capture
	stderr      *capture
}

func newWorker(engine, cacheDir string) (*worker, error) {
	w := &worker{
		engine:   engine,
		ctx:      context.Background(),
		runtimes: map[uint32]wazero.Runtime{},
		modules:  map[string]*loadedModule{},
		sessions: map[string]*session{},
	}
	if cacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(cacheDir)
		if err != nil {
			return nil, fmt.Errorf("cannot use %s as the compilation cache: %w", cacheDir, err)
		}
		w.cache = cache
	} else {
		w.cache = wazero.NewCompilationCache()
	}
	return w, nil
}

func (w *worker) shutdown() {
	for _, s := range w.sessions {
		if s.instance != nil {
			_ = s.instance.Close(w.ctx)
		}
	}
	w.sessions = map[string]*session{}
	for pages, r := range w.runtimes {
		_ = r.Close(w.ctx)
		delete(w.runtimes, pages)
	}
	_ = w.cache.Close(w.ctx)
}

func wazeroVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path != wazeroModule {
				continue
			}
			if dep.Replace != nil && dep.Replace.Version != "" {
				return dep.Replace.Version
			}
			if dep.Version != "" && dep.Version != "(devel)" {
				return dep.Version
			}
		}
	}
	return wazeroVersionFallback
}

// runtimeFor returns the runtime whose memory limit is `pages`, making it on first use.
func (w *worker) runtimeFor(pages uint32) (wazero.Runtime, error) {
	if r, ok := w.runtimes[pages]; ok {
		return r, nil
	}
	config := wazero.NewRuntimeConfigCompiler()
	if w.engine == engineInterpreter {
		config = wazero.NewRuntimeConfigInterpreter()
	}
	config = config.
		WithMemoryLimitPages(pages).
		WithCompilationCache(w.cache)
	r := wazero.NewRuntimeWithConfig(w.ctx, config)
	// WASI as the library offers it, under wasi_snapshot_preview1 only (v1.12.0
	// imports/wasi_snapshot_preview1/wasi.go#L55-L57, #L85-L88). Nothing is added under
	// wasi_unstable, so its imports fail to link: wazero leaves that name to the embedder
	// (NewFunctionExporter, wasi.go#L111-L135), and cmd/wazero registers one of the two names
	// per module, by its first WASI function import (cmd/wazero/wazero.go#L348-L364, #L463-L474).
	if _, err := wasi_snapshot_preview1.Instantiate(w.ctx, r); err != nil {
		_ = r.Close(w.ctx)
		return nil, fmt.Errorf("cannot instantiate wasi_snapshot_preview1: %w", err)
	}
	w.runtimes[pages] = r
	return r, nil
}

// compiledFor compiles the module for the runtime of `pages` (once per limit). Under a memory
// limit CompileModule also checks the declared minimum against it.
func (w *worker) compiledFor(m *loadedModule, pages uint32) (wazero.CompiledModule, error) {
	if c, ok := m.compiled[pages]; ok {
		return c, nil
	}
	r, err := w.runtimeFor(pages)
	if err != nil {
		return nil, err
	}
	c, err := r.CompileModule(w.ctx, m.wasm)
	if err != nil {
		return nil, err
	}
	m.compiled[pages] = c
	return c, nil
}

func pagesFor(memoryBytes int64) uint32 {
	if memoryBytes <= 0 || memoryBytes/pageBytes >= maxPages {
		return maxPages
	}
	return uint32(memoryBytes / pageBytes)
}

// ---- requests -------------------------------------------------------------------------------

// name accepts an id written as a JSON string or number.
type name string

func (n *name) UnmarshalJSON(data []byte) error {
	var text string
	if err := json.Unmarshal(data, &text); err == nil {
		*n = name(text)
		return nil
	}
	var number json.Number
	if err := json.Unmarshal(data, &number); err != nil {
		return fmt.Errorf("an id must be a string or a number, not %s", data)
	}
	*n = name(number.String())
	return nil
}

type request struct {
	ID          json.RawMessage `json:"id"`
	Op          string          `json:"op"`
	Module      *name           `json:"module"`
	Wasm        string          `json:"wasm"`
	Session     *name           `json:"session"`
	OutputBytes int64           `json:"outputBytes"`
	MemoryBytes int64           `json:"memoryBytes"`
	Step        *stepRequest    `json:"step"`
}

type stepRequest struct {
	Do      string      `json:"do"`
	Wasi    *wasiConfig `json:"wasi"`
	Export  string      `json:"export"`
	Args    []wireValue `json:"args"`
	Results []string    `json:"results"`
	Offset  *int64      `json:"offset"`
	Length  *int64      `json:"length"`
	Bytes   string      `json:"bytes"`
}

type wasiConfig struct {
	Args    []string    `json:"args"`
	Env     [][]string  `json:"env"`
	Stdin   string      `json:"stdin"`
	Preopen *preopenDir `json:"preopen"`
}

type preopenDir struct {
	Guest string `json:"guest"`
	Host  string `json:"host"`
}

type wireValue struct {
	Type string `json:"type"`
	Bits string `json:"bits"`
}

type reply map[string]any

// handleLine answers one request line with one reply line (newline included). It never panics:
// a panic in the handling is answered as a failed request.
func (w *worker) handleLine(line []byte) (out []byte) {
	var req request
	defer func() {
		if p := recover(); p != nil {
			out = encodeReply(req.ID, reply{"ok": false, "error": fmt.Sprintf("the worker panicked: %v\n%s", p, debug.Stack())})
		}
	}()
	if err := json.Unmarshal(line, &req); err != nil {
		// Salvage the id if the line is an object at all.
		var idOnly struct {
			ID json.RawMessage `json:"id"`
		}
		_ = json.Unmarshal(line, &idOnly)
		return encodeReply(idOnly.ID, reply{"ok": false, "error": fmt.Sprintf("malformed request: %v", err)})
	}
	w.currentID = req.ID
	body, err := w.handle(&req)
	if err != nil {
		failure := reply{"ok": false, "error": err.Error()}
		var ce compileError
		if errors.As(err, &ce) {
			failure["compile"] = true
		}
		return encodeReply(req.ID, failure)
	}
	body["ok"] = true
	return encodeReply(req.ID, body)
}

// announceEntry sends, just before wazero enters guest code by itself, an interim reply with
// the implicit calls: if the step then spends its CPU budget the adapter kills this process and
// this is what is known of the step; otherwise the step's own reply supersedes it.
func (w *worker) announceEntry(calls []string, surfaced string) {
	if w.say != nil {
		w.say(encodeReply(w.currentID, reply{"ok": true, "entered": true, "implicitCalls": calls, "surfaced": surfaced}))
	}
}

// hasStartSection reports whether a wasm binary has a start section (id 8). Sections follow the
// 8-byte header, each an id byte and a LEB128 u32 size (the module compiled, so it is well formed).
func hasStartSection(wasm []byte) bool {
	at := 8
	for at < len(wasm) {
		id := wasm[at]
		at++
		size := 0
		for shift := 0; at < len(wasm) && shift < 35; shift += 7 {
			b := wasm[at]
			at++
			size |= int(b&0x7f) << shift
			if b < 0x80 {
				break
			}
		}
		if id == 8 {
			return true
		}
		at += size
	}
	return false
}

func encodeReply(id json.RawMessage, body reply) []byte {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	body["id"] = id
	var buffer bytes.Buffer
	encoder := json.NewEncoder(&buffer)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(body); err != nil {
		// Cannot happen with the types used here; still answer with one valid line.
		buffer.Reset()
		fallback, _ := json.Marshal(reply{"id": id, "ok": false, "error": "cannot encode the reply: " + err.Error()})
		buffer.Write(fallback)
		buffer.WriteByte('\n')
	}
	return buffer.Bytes()
}

// compileError is wazero's refusal to compile a module at load: its text is the reply's error.
type compileError struct{ err error }

func (c compileError) Error() string { return c.err.Error() }

func (w *worker) handle(req *request) (reply, error) {
	switch req.Op {
	case "hello":
		return reply{"runtime": "wazero", "version": wazeroVersion(), "protocol": protocolVersion, "engine": w.engine}, nil
	case "load":
		return w.load(req)
	case "open":
		return w.open(req)
	case "step":
		s, err := w.sessionOf(req)
		if err != nil {
			return nil, err
		}
		if req.Step == nil {
			return nil, errors.New("a step request needs a step")
		}
		return w.step(s, req.Step)
	case "close":
		if req.Session == nil {
			return nil, errors.New("close needs a session")
		}
		if s, ok := w.sessions[string(*req.Session)]; ok {
			delete(w.sessions, string(*req.Session))
			if s.instance != nil && !s.instance.IsClosed() {
				_ = s.instance.Close(w.ctx)
			}
		}
		return reply{}, nil
	default:
		return nil, fmt.Errorf("unknown op %q", req.Op)
	}
}

func (w *worker) load(req *request) (reply, error) {
	if req.Module == nil {
		return nil, errors.New("load needs a module id")
	}
	wasm, err := base64.StdEncoding.DecodeString(req.Wasm)
	if err != nil {
		return nil, fmt.Errorf("the wasm of module %s is not base64: %w", *req.Module, err)
	}
	m := &loadedModule{wasm: wasm, compiled: map[uint32]wazero.CompiledModule{}}
	// Compiled under the runtime without a memory limit, so that only a real compile error
	// fails the load; sessions with a cap compile it again (cheaply, see worker.cache) under
	// their own runtime, where a minimum over the cap is an instantiation failure.
	if _, err := w.compiledFor(m, maxPages); err != nil {
		return nil, compileError{err}
	}
	w.modules[string(*req.Module)] = m
	return reply{}, nil
}

func (w *worker) open(req *request) (reply, error) {
	if req.Session == nil || req.Module == nil {
		return nil, errors.New("open needs a session and a module")
	}
	m, ok := w.modules[string(*req.Module)]
	if !ok {
		return nil, fmt.Errorf("module %s is not loaded", *req.Module)
	}
	if _, exists := w.sessions[string(*req.Session)]; exists {
		return nil, fmt.Errorf("session %s is already open", *req.Session)
	}
	s := &session{
		module:      m,
		pages:       pagesFor(req.MemoryBytes),
		memoryBytes: req.MemoryBytes,
		stdout:      newCapture(req.OutputBytes),
		stderr:      newCapture(req.OutputBytes),
	}
	w.sessions[string(*req.Session)] = s
	return reply{}, nil
}

func (w *worker) sessionOf(req *request) (*session, error) {
	if req.Session == nil {
		return nil, errors.New("the request names no session")
	}
	s, ok := w.sessions[string(*req.Session)]
	if !ok {
		return nil, fmt.Errorf("session %s is not open", *req.Session)
	}
	return s, nil
}

// ---- steps ----------------------------------------------------------------------------------

// stepResult is what a step produced besides the captured output.
type stepResult struct {
	outcome       reply
	implicitCalls []string
	surfaced      string
	requestedExit *uint32
}

func (w *worker) step(s *session, st *stepRequest) (reply, error) {
	var result stepResult
	var err error
	switch st.Do {
	case "instantiate", "run":
		result, err = w.instantiate(s, st.Do == "run", st.Wasi)
	case "call":
		result, err = w.call(s, st)
	case "memory":
		result = w.memoryPages(s)
	case "write":
		result, err = w.writeMemory(s, st)
	case "read":
		result, err = w.readMemory(s, st)
	default:
		return nil, fmt.Errorf("unknown step %q", st.Do)
	}
	if err != nil {
		return nil, err
	}
	calls := result.implicitCalls
	if calls == nil {
		calls = []string{}
	}
	stdout, stdoutDropped := s.stdout.take()
	stderr, stderrDropped := s.stderr.take()
	body := reply{
		"outcome":       result.outcome,
		"hasInstance":   s.instance != nil,
		"stdout":        base64.StdEncoding.EncodeToString(stdout),
		"stderr":        base64.StdEncoding.EncodeToString(stderr),
		"implicitCalls": calls,
	}
	if stdoutDropped > 0 {
		body["stdoutDropped"] = stdoutDropped
	}
	if stderrDropped > 0 {
		body["stderrDropped"] = stderrDropped
	}
	if result.surfaced != "" {
		body["surfaced"] = result.surfaced
	}
	if result.requestedExit != nil {
		body["requestedExit"] = *result.requestedExit
	}
	return body, nil
}

func (w *worker) moduleConfig(s *session, wasi *wasiConfig) (wazero.ModuleConfig, error) {
	config := wazero.NewModuleConfig().
		WithName(""). // anonymous, so sessions of one module can coexist
		WithStdout(s.stdout).
		WithStderr(s.stderr).
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithRandSource(rand.Reader)
	if wasi == nil {
		return config, nil
	}
	config = config.WithArgs(wasi.Args...)
	for _, pair := range wasi.Env {
		if len(pair) != 2 {
			return nil, fmt.Errorf("an env entry must be [key, value], not %q", pair)
		}
		config = config.WithEnv(pair[0], pair[1])
	}
	stdin, err := base64.StdEncoding.DecodeString(wasi.Stdin)
	if err != nil {
		return nil, fmt.Errorf("stdin is not base64: %w", err)
	}
	config = config.WithStdin(bytes.NewReader(stdin))
	if wasi.Preopen != nil {
		config = config.WithFSConfig(wazero.NewFSConfig().WithDirMount(wasi.Preopen.Host, wasi.Preopen.Guest))
	}
	return config, nil
}

// instantiate is both the `instantiate` step (no start functions: only the wasm start section
// runs) and the `run` step (wazero's default ModuleConfig, whose start functions are `_start`).
func (w *worker) instantiate(s *session, run bool, wasi *wasiConfig) (stepResult, error) {
	if s.started {
		return stepResult{}, errors.New("the session already had its instantiate or run step")
	}
	s.started = true
	config, err := w.moduleConfig(s, wasi)
	if err != nil {
		return stepResult{}, err
	}
	compiled, err := w.compiledFor(s.module, s.pages)
	if err != nil {
		return stepResult{
			outcome:  rejected("instantiate", err.Error(), byRuntime),
			surfaced: fmt.Sprintf("CompileModule error under the memory limit of %d pages", s.pages),
		}, nil
	}
	r := w.runtimes[s.pages]
	if !run {
		config = config.WithStartFunctions()
	}
	// wazero skips a start function that is not an exported function (e.g. a global `_start`).
	_, startIsFunction := compiled.ExportedFunctions()["_start"]
	if run && startIsFunction && !hasStartSection(s.module.wasm) {
		w.announceEntry([]string{"_start"}, "InstantiateModule was running when the step ended without a reply; the module has no start section, so the guest code it runs is `_start`'s")
	}
	instance, err := r.InstantiateModule(w.ctx, compiled, config)
	// InstantiateModule returns a module only once the store instantiated it; it is closed when
	// a start function failed or exited, and is kept anyway so later steps show what wazero does.
	s.instance = instance
	var result stepResult
	if run && startIsFunction && instance != nil {
		result.implicitCalls = []string{"_start"}
	}
	if err == nil {
		result.outcome = returned(nil)
		if instance.IsClosed() {
			// Only an exit with code 0 from a start function closes the module without an error.
			zero := uint32(0)
			result.requestedExit = &zero
			result.surfaced = "InstantiateModule returned no error; the module is closed (exit_code 0)"
		}
		return result, nil
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		where := "the start section"
		if instance != nil {
			where = "InstantiateModule"
		}
		result.outcome = exited(exit.ExitCode())
		result.surfaced = "sys.ExitError from " + where
		return result, nil
	}
	text := err.Error()
	first := firstLine(text)
	switch {
	case isLinkError(first):
		result.outcome = rejected("link", text, byRuntime)
		result.surfaced = "InstantiateModule error (import resolution)"
	case instance != nil && isStartSignatureError(first):
		result.outcome = rejected("run", text, byRuntime)
		result.surfaced = "InstantiateModule error: wazero would not call _start with no arguments"
	case instance != nil:
		result.outcome = classifyGuestError(text)
		result.surfaced = "InstantiateModule error from _start; the module is closed"
	case strings.HasPrefix(first, "start function[") && strings.Contains(first, " failed: "):
		result.outcome = classifyGuestError(text)
		result.surfaced = "InstantiateModule error from the start section"
	default:
		result.outcome = rejected("instantiate", text, byRuntime)
		result.surfaced = "InstantiateModule error"
	}
	return result, nil
}

func (w *worker) call(s *session, st *stepRequest) (stepResult, error) {
	if s.instance == nil {
		return stepResult{outcome: rejected("call", "there is no instance to call", byHarness)}, nil
	}
	fn := s.instance.ExportedFunction(st.Export)
	if fn == nil {
		return stepResult{outcome: rejected("call", "the instance has no exported function "+st.Export, byHarness)}, nil
	}
	def := fn.Definition()
	argTypes := make([]string, len(st.Args))
	for i, arg := range st.Args {
		argTypes[i] = arg.Type
	}
	if want := typeNames(def.ParamTypes()); !sameTypes(want, argTypes) {
		return stepResult{outcome: rejected("call", fmt.Sprintf(
			"export %s takes (%s) but the step passes (%s)", st.Export, strings.Join(want, ", "), strings.Join(argTypes, ", ")), byHarness)}, nil
	}
	if want := typeNames(def.ResultTypes()); !sameTypes(want, st.Results) {
		return stepResult{outcome: rejected("call", fmt.Sprintf(
			"export %s returns (%s) but the step expects (%s)", st.Export, strings.Join(want, ", "), strings.Join(st.Results, ", ")), byHarness)}, nil
	}
	params := make([]uint64, len(st.Args))
	for i, arg := range st.Args {
		encoded, err := encodeValue(arg)
		if err != nil {
			return stepResult{}, err
		}
		params[i] = encoded
	}
	results, err := fn.Call(w.ctx, params...)
	if err == nil {
		values := make([]reply, len(def.ResultTypes()))
		for i, t := range def.ResultTypes() {
			if i >= len(results) {
				return stepResult{}, fmt.Errorf("wazero returned %d results for %d result types", len(results), len(values))
			}
			values[i] = decodeValue(t, results[i])
		}
		return stepResult{outcome: returned(values)}, nil
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return stepResult{outcome: exited(exit.ExitCode()), surfaced: "sys.ExitError from Function.Call"}, nil
	}
	return stepResult{outcome: classifyGuestError(err.Error()), surfaced: "error from Function.Call"}, nil
}

func (w *worker) exportedMemory(s *session) (api.Memory, reply) {
	if s.instance == nil {
		return nil, rejected("call", "there is no instance", byHarness)
	}
	memory := s.instance.ExportedMemory("memory")
	if memory == nil {
		return nil, rejected("call", "the instance exports no memory", byHarness)
	}
	return memory, nil
}

func (w *worker) memoryPages(s *session) stepResult {
	memory, refusal := w.exportedMemory(s)
	if refusal != nil {
		return stepResult{outcome: refusal}
	}
	pages := uint64(memory.Size()) / pageBytes
	return stepResult{outcome: returned([]reply{{"type": "i32", "bits": strconv.FormatUint(pages, 10)}})}
}

// memoryRange checks offset+length against the memory's current size.
func memoryRange(memory api.Memory, offset, length int64) (uint32, uint32, reply) {
	size := uint64(memory.Size())
	if offset < 0 || length < 0 || uint64(offset)+uint64(length) > size {
		return 0, 0, rejected("call", fmt.Sprintf(
			"memory access of %d bytes at %d is outside the memory (%d bytes)", length, offset, size), byHarness)
	}
	return uint32(offset), uint32(length), nil
}

func (w *worker) writeMemory(s *session, st *stepRequest) (stepResult, error) {
	if st.Offset == nil {
		return stepResult{}, errors.New("a write step needs an offset")
	}
	data, err := base64.StdEncoding.DecodeString(st.Bytes)
	if err != nil {
		return stepResult{}, fmt.Errorf("the bytes to write are not base64: %w", err)
	}
	memory, refusal := w.exportedMemory(s)
	if refusal != nil {
		return stepResult{outcome: refusal}, nil
	}
	offset, _, refusal := memoryRange(memory, *st.Offset, int64(len(data)))
	if refusal != nil {
		return stepResult{outcome: refusal}, nil
	}
	if !memory.Write(offset, data) {
		return stepResult{}, fmt.Errorf("wazero refused a write of %d bytes at %d", len(data), offset)
	}
	return stepResult{outcome: returned(nil)}, nil
}

func (w *worker) readMemory(s *session, st *stepRequest) (stepResult, error) {
	if st.Offset == nil || st.Length == nil {
		return stepResult{}, errors.New("a read step needs an offset and a length")
	}
	memory, refusal := w.exportedMemory(s)
	if refusal != nil {
		return stepResult{outcome: refusal}, nil
	}
	offset, length, refusal := memoryRange(memory, *st.Offset, *st.Length)
	if refusal != nil {
		return stepResult{outcome: refusal}, nil
	}
	view, ok := memory.Read(offset, length)
	if !ok {
		return stepResult{}, fmt.Errorf("wazero refused a read of %d bytes at %d", length, offset)
	}
	return stepResult{outcome: reply{"kind": "bytes", "bytes": base64.StdEncoding.EncodeToString(view)}}, nil
}

// ---- values ---------------------------------------------------------------------------------

func typeNames(types []api.ValueType) []string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = api.ValueTypeName(t)
	}
	return names
}

func sameTypes(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// encodeValue turns a wire value (raw bits, unsigned decimal) into wazero's uint64 encoding.
func encodeValue(v wireValue) (uint64, error) {
	bits, err := strconv.ParseUint(v.Bits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("value bits %q are not an unsigned 64-bit number", v.Bits)
	}
	narrow := func() (uint32, error) {
		if bits > math.MaxUint32 {
			return 0, fmt.Errorf("%s bits %d do not fit 32 bits", v.Type, bits)
		}
		return uint32(bits), nil
	}
	switch v.Type {
	case "i32":
		b, err := narrow()
		return api.EncodeU32(b), err
	case "f32":
		b, err := narrow()
		// Float32frombits and EncodeF32 move bits only, so NaN payloads survive.
		return api.EncodeF32(math.Float32frombits(b)), err
	case "i64":
		return api.EncodeI64(int64(bits)), nil
	case "f64":
		return api.EncodeF64(math.Float64frombits(bits)), nil
	}
	return 0, fmt.Errorf("unknown value type %q", v.Type)
}

func decodeValue(t api.ValueType, raw uint64) reply {
	name := api.ValueTypeName(t)
	switch t {
	case api.ValueTypeI32:
		return reply{"type": name, "bits": strconv.FormatUint(uint64(api.DecodeU32(raw)), 10)}
	case api.ValueTypeF32:
		return reply{"type": name, "bits": strconv.FormatUint(uint64(math.Float32bits(api.DecodeF32(raw))), 10)}
	case api.ValueTypeF64:
		return reply{"type": name, "bits": strconv.FormatUint(math.Float64bits(api.DecodeF64(raw)), 10)}
	}
	return reply{"type": name, "bits": strconv.FormatUint(raw, 10)}
}

// ---- outcomes -------------------------------------------------------------------------------

const (
	byRuntime = "runtime"
	byHarness = "harness"
)

func returned(values []reply) reply {
	if values == nil {
		values = []reply{}
	}
	return reply{"kind": "returned", "values": values}
}

func exited(code uint32) reply { return reply{"kind": "exited", "code": code} }

func rejected(stage, message, by string) reply {
	return reply{"kind": "rejected", "stage": stage, "message": message, "by": by}
}

func trapped(kind, message, by string) reply {
	return reply{"kind": "trapped", "trap": kind, "message": message, "by": by}
}

func firstLine(text string) string {
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		return text[:i]
	}
	return text
}

func isLinkError(first string) bool {
	return strings.Contains(first, "is not exported in module") ||
		strings.Contains(first, "not instantiated") ||
		strings.Contains(first, "signature mismatch")
}

// wazero checks the argument count before entering a function: "expected 1 params, but passed 0".
func isStartSignatureError(first string) bool {
	return strings.Contains(first, "function[_start] failed: expected ") && strings.Contains(first, " params, but passed ")
}

// goStackMarker starts the Go stack that wazero appends to a recovered Go runtime error.
const goStackMarker = "\n\nGo runtime stack trace:"

// classifyGuestError sorts an error that came out of guest code. The trap's kind is read from
// the first line only: the wasm stack trace below it names guest functions, which could contain
// any of the words looked for.
func classifyGuestError(text string) reply {
	first := firstLine(text)
	if strings.Contains(first, "(recovered by wazero)") {
		if strings.Contains(first, "runtime error:") {
			// A Go runtime error inside wazero or its WASI code: the runtime failed, not the
			// guest. Keep wazero's text up to its Go stack dump.
			message := text
			if i := strings.Index(message, goStackMarker); i >= 0 {
				message = message[:i]
			}
			return reply{"kind": "crashed", "message": message}
		}
		return reply{"kind": "host-error", "message": text, "by": byRuntime}
	}
	switch {
	case strings.Contains(first, "unreachable"):
		return trapped("unreachable", text, byRuntime)
	case strings.Contains(first, "out of bounds"):
		return trapped("out-of-bounds", text, byRuntime)
	case strings.Contains(first, "stack overflow"):
		return trapped("stack-overflow", text, byRuntime)
	}
	return trapped("other", text, byRuntime)
}

// ---- captured output ------------------------------------------------------------------------

// capture is a guest stdout or stderr: it keeps at most `budget` bytes over the instance's life,
// counts the rest as dropped, and hands out what arrived since the last step.
type capture struct {
	mu      sync.Mutex
	left    int64
	pending []byte
	dropped int64
}

func newCapture(budget int64) *capture {
	if budget < 0 {
		budget = 0
	}
	return &capture{left: budget}
}

func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := int64(len(p))
	if keep > c.left {
		keep = c.left
	}
	c.pending = append(c.pending, p[:keep]...)
	c.left -= keep
	c.dropped += int64(len(p)) - keep
	// The guest sees a complete write: dropping is the harness's cap, not an I/O error.
	return len(p), nil
}

func (c *capture) take() ([]byte, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, dropped := c.pending, c.dropped
	c.pending, c.dropped = nil, 0
	return out, dropped
}
