package execmodel.chicory;

import com.dylibso.chicory.runtime.ByteBufferMemory;
import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ExecutionCompletedException;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.InvalidException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.UnlinkableException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.ValType;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The protocol handler: one request line in, one reply line out (docs/worker-protocol.md,
 * version 2). Requests are handled one at a time; guest code runs on a thread of its own per step,
 * for its stack ({@link #GUEST_STACK_BYTES}). The worker sets no time limit: the Rust side bounds
 * a step by the CPU time of this process and kills it when the step's budget is spent.
 */
final class Worker {
    static final String ENGINE_INTERPRETER = "interpreter";
    static final String ENGINE_COMPILER = "compiler";
    static final int PROTOCOL = 2;
    static final int PAGE_BYTES = 65536;
    /**
     * The stack of each guest thread. Chicory has no wasm stack limit of its own: a guest overflows
     * when the Java thread's stack does (the interpreter turns StackOverflowError into
     * ChicoryException "call stack exhausted"). The JVM's default would be -Xss (1 MiB on
     * Linux x64); 8 MiB matches a typical native main-thread stack.
     */
    static final long GUEST_STACK_BYTES = 8L << 20;

    private final String engine;
    private final Function<WasmModule, Function<Instance, Machine>> compiler;
    private final ObjectMapper json;
    private final Map<String, Loaded> modules = new HashMap<>();
    private final Map<String, Session> sessions = new HashMap<>();
    // The request being answered, and where a line said before its reply goes (set by
    // Main.serve; null in tests and probes, where nothing kills the process midway).
    private volatile JsonNode currentId = NullNode.getInstance();
    private volatile Consumer<String> interim;

    Worker(String engine) {
        if (!ENGINE_INTERPRETER.equals(engine) && !ENGINE_COMPILER.equals(engine)) {
            throw new IllegalArgumentException(
                    "unknown engine " + engine + " (want interpreter or compiler)");
        }
        this.engine = engine;
        this.compiler = ENGINE_COMPILER.equals(engine) ? loadCompiler() : null;
        // A load line carries a whole module in base64: no cap on string length.
        JsonFactory factory =
                JsonFactory.builder()
                        .streamReadConstraints(
                                StreamReadConstraints.builder()
                                        .maxStringLength(Integer.MAX_VALUE)
                                        .build())
                        .build();
        this.json = new ObjectMapper(factory);
        // One JSON value per line: anything after it makes the line malformed.
        this.json.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    String engine() {
        return engine;
    }

    /** The compiler engine, or a clear refusal when this jar was built without it. */
    @SuppressWarnings("unchecked")
    private static Function<WasmModule, Function<Instance, Machine>> loadCompiler() {
        try {
            return (Function<WasmModule, Function<Instance, Machine>>)
                    Class.forName("execmodel.chicory.CompilerEngine")
                            .getDeclaredConstructor()
                            .newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalArgumentException(
                    "this worker was built without Chicory's compiler (Chicory "
                            + chicoryVersion()
                            + ", interpreter only): "
                            + e);
        }
    }

    /** The Chicory version this jar was built against (Maven fills the resource in). */
    static String chicoryVersion() {
        try (InputStream in = Worker.class.getResourceAsStream("/execmodel-chicory.properties")) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                String version = properties.getProperty("chicory.version");
                if (version != null && !version.isEmpty() && !version.startsWith("${")) {
                    return version;
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown";
    }

    // ---- one line -------------------------------------------------------------------------------

    /** Where interim replies (a line each, no newline) go; see {@link #announceEntry}. */
    void interimReplies(Consumer<String> sink) {
        interim = sink;
    }

    /** Answers one request line with one reply line (no newline). Never throws. */
    String handleLine(String line) {
        JsonNode id = NullNode.getInstance();
        ObjectNode reply = json.createObjectNode();
        currentId = id;
        try {
            JsonNode request = json.readTree(line);
            if (request == null || !request.isObject()) {
                throw new ProtocolError("a request must be a JSON object");
            }
            if (request.has("id")) {
                id = request.get("id");
                currentId = id;
            }
            ObjectNode body = handle(request);
            reply.set("id", id);
            reply.put("ok", true);
            reply.setAll(body);
        } catch (JsonProcessingException e) {
            failure(reply, id, "malformed request: " + e.getOriginalMessage());
        } catch (CompileRefusal e) {
            failure(reply, id, e.getMessage());
            reply.put("compile", true);
        } catch (ProtocolError e) {
            failure(reply, id, e.getMessage());
        } catch (Throwable t) {
            failure(reply, id, "the worker failed: " + stackHead(t, 12));
        }
        try {
            return json.writeValueAsString(reply);
        } catch (JsonProcessingException e) {
            ObjectNode fallback = json.createObjectNode();
            failure(fallback, id, "cannot encode the reply: " + e.getOriginalMessage());
            try {
                return json.writeValueAsString(fallback);
            } catch (JsonProcessingException again) {
                return "{\"id\":null,\"ok\":false,\"error\":\"cannot encode the reply\"}";
            }
        }
    }

    private static void failure(ObjectNode reply, JsonNode id, String error) {
        reply.removeAll();
        reply.set("id", id);
        reply.put("ok", false);
        reply.put("error", error);
    }

    private ObjectNode handle(JsonNode request) {
        String op = text(request, "op");
        switch (op) {
            case "hello":
                {
                    ObjectNode body = json.createObjectNode();
                    body.put("runtime", "chicory");
                    body.put("version", chicoryVersion());
                    body.put("protocol", PROTOCOL);
                    body.put("engine", engine);
                    return body;
                }
            case "load":
                load(request);
                return json.createObjectNode();
            case "open":
                open(request);
                return json.createObjectNode();
            case "step":
                {
                    Session session = sessionOf(request);
                    JsonNode step = request.get("step");
                    if (step == null || !step.isObject()) {
                        throw new ProtocolError("a step request needs a step object");
                    }
                    return step(session, step);
                }
            case "close":
                {
                    Session session = sessions.remove(name(request, "session"));
                    if (session != null) {
                        session.close();
                    }
                    return json.createObjectNode();
                }
            default:
                throw new ProtocolError("unknown op " + quote(op));
        }
    }

    // ---- modules and sessions -------------------------------------------------------------------

    /** A parsed module and the machine factory of the worker's engine for it. */
    static final class Loaded {
        final WasmModule module;
        final Function<Instance, Machine> machines;

        Loaded(WasmModule module, Function<Instance, Machine> machines) {
            this.module = module;
            this.machines = machines;
        }
    }

    private void load(JsonNode request) {
        String name = name(request, "module");
        byte[] wasm = base64(request, "wasm");
        WasmModule module;
        try {
            // Parser.parse decodes and validates the whole module.
            module = Parser.parse(wasm);
        } catch (ChicoryException e) {
            throw new CompileRefusal(messageOf(e));
        } catch (RuntimeException | StackOverflowError e) {
            // Not a refusal Chicory meant to make, but still its answer to this module.
            throw new CompileRefusal(describe(e));
        }
        Function<Instance, Machine> machines;
        if (ENGINE_COMPILER.equals(engine)) {
            try {
                // Chicory's runtime compiler with its default options (interpreter fallback
                // WARN for functions too large for a JVM method), compiled once per module.
                machines = compiler.apply(module);
            } catch (ChicoryException e) {
                throw new CompileRefusal(messageOf(e));
            } catch (RuntimeException | StackOverflowError e) {
                throw new CompileRefusal(describe(e));
            }
        } else {
            machines = InterpreterMachine::new;
        }
        modules.put(name, new Loaded(module, machines));
    }

    private void open(JsonNode request) {
        String name = name(request, "session");
        String moduleName = name(request, "module");
        Loaded loaded = modules.get(moduleName);
        if (loaded == null) {
            throw new ProtocolError("module " + moduleName + " is not loaded");
        }
        if (sessions.containsKey(name)) {
            throw new ProtocolError("session " + name + " is already open");
        }
        long outputBytes = request.path("outputBytes").asLong(0);
        long memoryBytes = request.path("memoryBytes").asLong(0);
        sessions.put(name, new Session(name, loaded, outputBytes, memoryBytes));
    }

    private Session sessionOf(JsonNode request) {
        String name = name(request, "session");
        Session session = sessions.get(name);
        if (session == null) {
            throw new ProtocolError("session " + name + " is not open");
        }
        return session;
    }

    /** Everything one session holds: at most one instance, its WASI context and its output. */
    static final class Session {
        final String name;
        final Loaded loaded;
        final long memoryBytes;
        final Capture stdout;
        final Capture stderr;
        boolean started;
        Instance instance;
        WasiPreview1 wasi;
        EntryTracker tracker;
        /** Failures seen coming out of WASI functions, and the function each came out of. */
        final Map<Throwable, String> importFailures = new IdentityHashMap<>();
        /** The code of the last proc_exit of the current step, if any. */
        Integer exitRequested;

        Session(String name, Loaded loaded, long outputBytes, long memoryBytes) {
            this.name = name;
            this.loaded = loaded;
            this.memoryBytes = memoryBytes;
            this.stdout = new Capture(outputBytes);
            this.stderr = new Capture(outputBytes);
        }

        /** Memory cap in pages, or -1 for none (Chicory's own limit then applies). */
        int capPages() {
            if (memoryBytes <= 0 || memoryBytes / PAGE_BYTES >= MemoryLimits.MAX_PAGES) {
                return -1;
            }
            return (int) (memoryBytes / PAGE_BYTES);
        }

        void close() {
            if (wasi != null) {
                wasi.close();
            }
            instance = null;
        }
    }

    // ---- steps ----------------------------------------------------------------------------------

    /** What a step produced besides the captured output. */
    static final class StepResult {
        ObjectNode outcome;
        final List<String> implicitCalls = new ArrayList<>();
        String surfaced;
    }

    private ObjectNode step(Session session, JsonNode step) {
        String what = text(step, "do");
        StepResult result;
        session.exitRequested = null;
        switch (what) {
            case "instantiate":
            case "run":
                result = instantiate(session, "run".equals(what), step.get("wasi"));
                break;
            case "call":
                result = call(session, step);
                break;
            case "memory":
                result = memoryPages(session);
                break;
            case "write":
                result = writeMemory(session, step);
                break;
            case "read":
                result = readMemory(session, step);
                break;
            default:
                throw new ProtocolError("unknown step " + quote(what));
        }
        ObjectNode body = json.createObjectNode();
        body.set("outcome", result.outcome);
        body.put("hasInstance", session.instance != null);
        Capture.Taken out = session.stdout.take();
        Capture.Taken err = session.stderr.take();
        body.put("stdout", Base64.getEncoder().encodeToString(out.bytes));
        body.put("stderr", Base64.getEncoder().encodeToString(err.bytes));
        if (out.dropped > 0) {
            body.put("stdoutDropped", out.dropped);
        }
        if (err.dropped > 0) {
            body.put("stderrDropped", err.dropped);
        }
        ArrayNode calls = body.putArray("implicitCalls");
        result.implicitCalls.forEach(calls::add);
        if (session.exitRequested != null && !"exited".equals(result.outcome.path("kind").asText())) {
            body.put("requestedExit", session.exitRequested.intValue());
        }
        if (result.surfaced != null) {
            body.put("surfaced", result.surfaced);
        }
        return body;
    }

    /**
     * {@code instantiate}: {@code Instance.builder(m).withImportValues(wasi).withStart(false)
     * .build()}. withStart(false) only skips Chicory's own call of the {@code _start} export; the
     * wasm start section still runs inside build() (Instance.initialize runs it whenever
     * withInitialize is true, the default).
     *
     * <p>{@code run}: the same builder with Chicory's defaults, whose build() calls the
     * {@code _start} export when there is one (and never {@code _initialize}).
     */
    private StepResult instantiate(Session session, boolean run, JsonNode wasiConfig) {
        if (session.started) {
            throw new ProtocolError("the session already had its instantiate or run step");
        }
        session.started = true;
        WasiOptions options = wasiOptions(session, wasiConfig);
        WasiPreview1 wasi = WasiPreview1.builder().withOptions(options).build();
        session.wasi = wasi;
        EntryTracker tracker = new EntryTracker(session.loaded.machines);
        session.tracker = tracker;
        WasmModule module = session.loaded.module;
        if (run) {
            tracker.onEntry(funcIndex -> announceEntry(module, funcIndex));
        }
        int capPages = session.capPages();
        Instance.Builder builder =
                Instance.builder(module)
                        .withImportValues(wasiImports(session, wasi))
                        .withMachineFactory(tracker)
                        .withMemoryFactory(limits -> cappedMemory(limits, capPages));
        if (!run) {
            builder.withStart(false);
        }
        GuestRun<Instance> guest = runGuest(session, builder::build);
        tracker.onEntry(funcIndex -> {});
        StepResult result = new StepResult();
        List<Integer> entries = tracker.takeEntries();
        boolean guestRan = !entries.isEmpty();
        String where = describeEntries(module, entries);
        for (int i = 0; i < entries.size(); i++) {
            // The start section is instantiation, not an entry point; it always comes first.
            if (i == 0 && isStartSection(module, entries.get(0))) {
                continue;
            }
            result.implicitCalls.add(exportName(module, entries.get(i)));
        }
        if (guest.error == null) {
            session.instance = guest.value;
            result.outcome = returned(json.createArrayNode());
            if (run) {
                result.surfaced =
                        result.implicitCalls.isEmpty()
                                ? "Instance.Builder.build() returned; the module exports no _start function, so it called none"
                                : "Instance.Builder.build() returned after calling " + String.join(", ", result.implicitCalls);
            }
            return result;
        }
        Throwable error = guest.error;
        if (error instanceof OverCapException) {
            result.outcome = rejected("instantiate", error.getMessage(), "harness");
            result.surfaced = "the memory factory passed to Instance.Builder refused the memory";
            return result;
        }
        if (error instanceof InvalidException && fromAutomaticStart(error)) {
            // build() had made the instance and run the start section; its own lookup of the
            // `_start` export then refused an export that is not a function.
            result.outcome = rejected("run", messageOf(error), "runtime");
            result.surfaced = "InvalidException from Instance.Builder.build(), thrown by its automatic export(\"_start\") lookup; no instance is returned";
            return result;
        }
        classifyFailure(session, error, guestRan, "Instance.Builder.build()", where, result);
        return result;
    }

    private StepResult call(Session session, JsonNode step) {
        StepResult result = new StepResult();
        Instance instance = session.instance;
        String name = text(step, "export");
        if (instance == null) {
            result.outcome = rejected("call", "there is no instance to call", "harness");
            return result;
        }
        Export export = findExport(session.loaded.module, name, ExternalType.FUNCTION);
        if (export == null) {
            result.outcome =
                    rejected("call", "the instance has no exported function " + name, "harness");
            return result;
        }
        FunctionType type = instance.exportType(name);
        JsonNode results = step.path("results");
        List<String> resultTypes = new ArrayList<>();
        results.forEach(r -> resultTypes.add(r.asText()));
        List<String> returns = typeNames(type.returns());
        if (!returns.equals(resultTypes)) {
            result.outcome =
                    rejected(
                            "call",
                            "export " + name + " returns (" + String.join(", ", returns)
                                    + ") but the step expects (" + String.join(", ", resultTypes)
                                    + ")",
                            "harness");
            return result;
        }
        // The arguments go to Chicory as the step gives them: an export function takes untyped
        // longs and hands them to the engine without counting them, so a call that does not fit
        // the export's type gets Chicory's own answer.
        JsonNode args = step.path("args");
        long[] raw = new long[args.size()];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = Values.fromWire(args.get(i));
        }
        session.tracker.takeEntries();
        GuestRun<long[]> guest = runGuest(session, () -> instance.export(name).apply(raw));
        session.tracker.takeEntries();
        String where = "export " + name;
        if (guest.error == null) {
            long[] values = guest.value;
            ArrayNode out = json.createArrayNode();
            int have = values == null ? 0 : values.length;
            if (have != type.returns().size()) {
                throw new ProtocolError(
                        "Chicory returned " + have + " values for " + type.returns().size()
                                + " result types of export " + name);
            }
            for (int i = 0; i < have; i++) {
                out.add(Values.toWire(json, type.returns().get(i), values[i]));
            }
            result.outcome = returned(out);
            return result;
        }
        classifyFailure(session, guest.error, true, "ExportFunction.apply()", where, result);
        return result;
    }

    private StepResult memoryPages(Session session) {
        StepResult result = new StepResult();
        Object memory = exportedMemory(session);
        if (memory instanceof ObjectNode) {
            result.outcome = (ObjectNode) memory;
            return result;
        }
        ArrayNode values = json.createArrayNode();
        values.add(Values.toWire(json, ValType.I32, ((Memory) memory).pages()));
        result.outcome = returned(values);
        return result;
    }

    private StepResult writeMemory(Session session, JsonNode step) {
        StepResult result = new StepResult();
        if (!step.path("offset").isIntegralNumber()) {
            throw new ProtocolError("a write step needs an offset");
        }
        byte[] data = base64(step, "bytes");
        Object memory = exportedMemory(session);
        if (memory instanceof ObjectNode) {
            result.outcome = (ObjectNode) memory;
            return result;
        }
        long offset = step.get("offset").asLong();
        ObjectNode refusal = checkRange((Memory) memory, offset, data.length);
        if (refusal != null) {
            result.outcome = refusal;
            return result;
        }
        ((Memory) memory).write((int) offset, data);
        result.outcome = returned(json.createArrayNode());
        return result;
    }

    private StepResult readMemory(Session session, JsonNode step) {
        StepResult result = new StepResult();
        if (!step.path("offset").isIntegralNumber() || !step.path("length").isIntegralNumber()) {
            throw new ProtocolError("a read step needs an offset and a length");
        }
        Object memory = exportedMemory(session);
        if (memory instanceof ObjectNode) {
            result.outcome = (ObjectNode) memory;
            return result;
        }
        long offset = step.get("offset").asLong();
        long length = step.get("length").asLong();
        ObjectNode refusal = checkRange((Memory) memory, offset, length);
        if (refusal != null) {
            result.outcome = refusal;
            return result;
        }
        byte[] bytes = ((Memory) memory).readBytes((int) offset, (int) length);
        ObjectNode outcome = json.createObjectNode();
        outcome.put("kind", "bytes");
        outcome.put("bytes", Base64.getEncoder().encodeToString(bytes));
        result.outcome = outcome;
        return result;
    }

    /** The exported `memory`, or the refusal to answer with. */
    private Object exportedMemory(Session session) {
        if (session.instance == null) {
            return rejected("call", "there is no instance", "harness");
        }
        Export export = findExport(session.loaded.module, "memory", ExternalType.MEMORY);
        if (export == null) {
            return rejected("call", "the instance exports no memory", "harness");
        }
        return session.instance.memory(export.index());
    }

    private ObjectNode checkRange(Memory memory, long offset, long length) {
        long size = (long) memory.pages() * PAGE_BYTES;
        if (offset < 0 || length < 0 || offset + length > size) {
            return rejected(
                    "call",
                    "memory access of " + length + " bytes at " + offset
                            + " is outside the memory (" + size + " bytes)",
                    "harness");
        }
        return null;
    }

    // ---- the WASI context -----------------------------------------------------------------------

    private static WasiOptions wasiOptions(Session session, JsonNode config) {
        // Not TTYs (Chicory's default is isTty = true for all three): the guest's stdio is a
        // capture here, like a pipe. This only changes what fd_fdstat_get reports, and with it
        // wasi-libc's choice of line or full buffering.
        WasiOptions.Builder options =
                WasiOptions.builder()
                        .withStdout(session.stdout, false)
                        .withStderr(session.stderr, false);
        byte[] stdin = new byte[0];
        if (config != null && !config.isNull()) {
            if (!config.isObject()) {
                throw new ProtocolError("wasi must be an object");
            }
            List<String> args = new ArrayList<>();
            for (JsonNode arg : config.path("args")) {
                if (!arg.isTextual()) {
                    throw new ProtocolError("wasi.args must be strings");
                }
                args.add(arg.asText());
            }
            options.withArguments(args);
            for (JsonNode pair : config.path("env")) {
                if (!pair.isArray() || pair.size() != 2) {
                    throw new ProtocolError("an env entry must be [key, value], not " + pair);
                }
                // Chicory keeps the environment in a map: a repeated key keeps its first
                // position and its last value.
                options.withEnvironment(pair.get(0).asText(), pair.get(1).asText());
            }
            if (config.hasNonNull("stdin")) {
                stdin = base64(config, "stdin");
            }
            JsonNode preopen = config.path("preopen");
            if (preopen.isObject()) {
                // Chicory resolves guest paths against a java.nio.file.Path; the default
                // file system's path of the host directory is given.
                options.withDirectory(text(preopen, "guest"), Path.of(text(preopen, "host")));
            }
        }
        options.withStdin(new ByteArrayInputStream(stdin), false);
        return options.build();
    }

    /**
     * The WASI functions of one instance: what Chicory's {@code WasiPreview1.toHostFunctions()}
     * offers, under {@code wasi_snapshot_preview1} only. Chicory has no snapshot-0
     * ({@code wasi_unstable}) implementation, so a module importing it does not link.
     *
     * <p>Each function is wrapped, without changing what it does, to note which failures came out
     * of WASI rather than out of wasm, and the code a guest passed to proc_exit.
     */
    private static ImportValues wasiImports(Session session, WasiPreview1 wasi) {
        ImportValues.Builder imports = ImportValues.builder();
        for (HostFunction function : wasi.toHostFunctions()) {
            imports.addFunction(observed(session, function));
        }
        return imports.build();
    }

    private static HostFunction observed(Session session, HostFunction function) {
        String qualified = function.module() + "." + function.name();
        boolean isExit = "proc_exit".equals(function.name());
        return new HostFunction(
                function.module(),
                function.name(),
                function.functionType(),
                (instance, args) -> {
                    if (isExit && args.length > 0) {
                        session.exitRequested = (int) args[0];
                    }
                    try {
                        return function.handle().apply(instance, args);
                    } catch (Throwable t) {
                        session.importFailures.put(t, qualified);
                        throw t;
                    }
                });
    }

    /** Memory 0 (and any other defined memory) with its maximum clamped to the session's cap. */
    private static Memory cappedMemory(MemoryLimits limits, int capPages) {
        if (capPages < 0) {
            return new ByteBufferMemory(limits);
        }
        int maximum = Math.min(limits.maximumPages(), capPages);
        if (limits.initialPages() > maximum) {
            throw new OverCapException(
                    "the module's memory starts at " + limits.initialPages()
                            + " pages, more than the cap of " + capPages + " pages");
        }
        return new ByteBufferMemory(new MemoryLimits(limits.initialPages(), maximum, limits.shared()));
    }

    // ---- guest threads --------------------------------------------------------------------------

    static final class GuestRun<T> {
        T value;
        Throwable error;
    }

    /**
     * Runs guest code on a fresh thread with a big stack and waits for it to end, however long
     * that takes: a step's time limit is the Rust side's, not the worker's.
     */
    private static <T> GuestRun<T> runGuest(Session session, Callable<T> body) {
        GuestRun<T> run = new GuestRun<>();
        Thread thread =
                new Thread(
                        null,
                        () -> {
                            try {
                                run.value = body.call();
                            } catch (Throwable t) {
                                run.error = t;
                            }
                        },
                        "guest-" + session.name,
                        GUEST_STACK_BYTES);
        thread.setDaemon(true);
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the request thread was interrupted", e);
        }
        return run;
    }

    // ---- outcomes -------------------------------------------------------------------------------

    /**
     * Sorts a failure out of build() or an export call. Chicory's message is kept as it is;
     * {@code surfaced} says which exception carried it.
     */
    private void classifyFailure(
            Session session,
            Throwable error,
            boolean guestRan,
            String api,
            String where,
            StepResult result) {
        String from = simpleName(error) + " from " + api;
        String importName = importFailureOf(session.importFailures, error);
        if (error instanceof WasiExitException) {
            result.outcome = exited(((WasiExitException) error).exitCode());
            result.surfaced = "WasiExitException";
            if (!where.isEmpty()) {
                result.surfaced += " from " + api + " (" + where + ")";
            }
            return;
        }
        if (error instanceof ExecutionCompletedException) {
            // proc_exit(0) with throwOnExit0 off; not Chicory's default, so not expected here.
            result.outcome = exited(0);
            result.surfaced = from + " (" + messageOf(error) + ")";
            return;
        }
        if (error instanceof ChicoryInterruptedException) {
            result.outcome = trapped("other", messageOf(error), "runtime");
            result.surfaced = from + " although the harness did not interrupt it";
            return;
        }
        if (error instanceof StackOverflowError) {
            result.outcome = trapped("stack-overflow", "java.lang.StackOverflowError", "runtime");
            result.surfaced = "java.lang.StackOverflowError from " + api + " (" + where + ")";
            return;
        }
        if (isStackExhaustion(error)) {
            result.outcome = trapped("stack-overflow", messageOf(error), "runtime");
            result.surfaced = from + ", wrapping java.lang.StackOverflowError (" + where + ")";
            return;
        }
        if (importName != null) {
            if (error instanceof ChicoryException) {
                result.outcome = hostError(messageOf(error));
            } else {
                result.outcome = crashed(describe(error));
            }
            result.surfaced = simpleName(error) + " thrown by the WASI function " + importName + ", out of " + api;
            return;
        }
        if (error instanceof UnlinkableException) {
            result.outcome = rejected("link", messageOf(error), "runtime");
            result.surfaced = from;
            return;
        }
        if (error instanceof UninstantiableException) {
            Throwable cause = error.getCause();
            if (cause instanceof TrapException) {
                result.outcome = trapped(trapKind(messageOf(error)), messageOf(error), "runtime");
                result.surfaced = from + ", wrapping the TrapException of the start section";
            } else if (guestRan) {
                result.outcome = trapped(trapKind(messageOf(error)), messageOf(error), "runtime");
                result.surfaced = from + " (" + where + ")";
            } else {
                result.outcome = rejected("instantiate", messageOf(error), "runtime");
                result.surfaced = from;
            }
            return;
        }
        if (error instanceof ChicoryException) {
            if (guestRan) {
                result.outcome = trapped(trapKind(messageOf(error)), messageOf(error), "runtime");
                result.surfaced = from + " (" + where + ")";
            } else {
                result.outcome = rejected("instantiate", messageOf(error), "runtime");
                result.surfaced = from + " before any guest code ran";
            }
            return;
        }
        // A Java exception or error of Chicory itself (NullPointerException,
        // ArrayIndexOutOfBoundsException, OutOfMemoryError, ...).
        result.outcome = crashed(describe(error));
        result.surfaced = from + (guestRan ? " (" + where + ")" : " before any guest code ran");
    }

    private static String importFailureOf(Map<Throwable, String> failures, Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            String name = failures.get(t);
            if (name != null) {
                return name;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static boolean isStackExhaustion(Throwable error) {
        if (!(error instanceof ChicoryException)) {
            return false;
        }
        for (Throwable t = error.getCause(); t != null; t = t.getCause()) {
            if (t instanceof StackOverflowError) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return "call stack exhausted".equals(error.getMessage());
    }

    /** The trap kind, read from Chicory's message. */
    static String trapKind(String message) {
        String text = message == null ? "" : message.toLowerCase(java.util.Locale.ROOT);
        if (text.contains("unreachable")) {
            return "unreachable";
        }
        // "undefined element": the spec tests' words for a call_indirect past the table's end.
        if (text.contains("out of bounds") || text.contains("undefined element")) {
            return "out-of-bounds";
        }
        if (text.contains("call stack exhausted") || text.contains("stack overflow")) {
            return "stack-overflow";
        }
        return "other";
    }

    /** Whether an InvalidException came from build()'s own lookup of the `_start` export. */
    private static boolean fromAutomaticStart(Throwable error) {
        boolean lookup = false;
        for (StackTraceElement frame : error.getStackTrace()) {
            String cls = frame.getClassName();
            if (cls.equals("com.dylibso.chicory.runtime.Instance$Exports")) {
                lookup = true;
            }
            if (lookup
                    && cls.equals("com.dylibso.chicory.runtime.Instance")
                    && frame.getMethodName().equals("initialize")) {
                return true;
            }
        }
        return false;
    }

    private ObjectNode returned(ArrayNode values) {
        ObjectNode outcome = json.createObjectNode();
        outcome.put("kind", "returned");
        outcome.set("values", values);
        return outcome;
    }

    private ObjectNode exited(int code) {
        ObjectNode outcome = json.createObjectNode();
        outcome.put("kind", "exited");
        outcome.put("code", code);
        return outcome;
    }

    private ObjectNode trapped(String kind, String message, String by) {
        ObjectNode outcome = json.createObjectNode();
        outcome.put("kind", "trapped");
        outcome.put("trap", kind);
        outcome.put("message", message);
        outcome.put("by", by);
        return outcome;
    }

    private ObjectNode rejected(String stage, String message, String by) {
        ObjectNode outcome = json.createObjectNode();
        outcome.put("kind", "rejected");
        outcome.put("stage", stage);
        outcome.put("message", message);
        outcome.put("by", by);
        return outcome;
    }

    private ObjectNode hostError(String message) {
        ObjectNode outcome = json.createObjectNode();
        outcome.put("kind", "host-error");
        outcome.put("message", message);
        outcome.put("by", "runtime");
        return outcome;
    }

    private ObjectNode crashed(String message) {
        ObjectNode outcome = json.createObjectNode();
        outcome.put("kind", "crashed");
        outcome.put("message", message);
        return outcome;
    }

    // ---- module facts ---------------------------------------------------------------------------

    static Export findExport(WasmModule module, String name, ExternalType type) {
        var exports = module.exportSection();
        for (int i = 0; i < exports.exportCount(); i++) {
            Export export = exports.getExport(i);
            if (export.name().equals(name) && export.exportType() == type) {
                return export;
            }
        }
        return null;
    }

    /**
     * Sent as build() enters an entry point by itself (not the start section): an interim reply
     * with that call. If the step then spends its CPU budget the adapter kills this process and
     * this is what is known of the step; otherwise the step's own reply supersedes it.
     */
    private void announceEntry(WasmModule module, int funcIndex) {
        if (interim == null || isStartSection(module, funcIndex)) {
            return;
        }
        ObjectNode said = json.createObjectNode();
        said.set("id", currentId);
        said.put("ok", true);
        said.put("entered", true);
        said.putArray("implicitCalls").add(exportName(module, funcIndex));
        said.put(
                "surfaced",
                "Instance.Builder.build() had called " + exportName(module, funcIndex)
                        + " when the step ended without a reply");
        try {
            interim.accept(json.writeValueAsString(said));
        } catch (JsonProcessingException e) {
            // Nothing to say then: the step's reply, or its absence, still tells the outcome.
        }
    }

    private static boolean isStartSection(WasmModule module, int funcIndex) {
        return module.startSection().map(s -> s.startIndex() == funcIndex).orElse(false);
    }

    /** The export name of a function, preferring the WASI entry points; else "function N". */
    private static String exportName(WasmModule module, int funcIndex) {
        String found = null;
        var exports = module.exportSection();
        for (int i = 0; i < exports.exportCount(); i++) {
            Export export = exports.getExport(i);
            if (export.exportType() == ExternalType.FUNCTION && export.index() == funcIndex) {
                if (export.name().equals("_start") || export.name().equals("_initialize")) {
                    return export.name();
                }
                if (found == null) {
                    found = export.name();
                }
            }
        }
        return found != null ? found : "function " + funcIndex;
    }

    /** Where guest code was entered, for `surfaced`: "the start section, then _start". */
    private static String describeEntries(WasmModule module, List<Integer> entries) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            if (i == 0 && isStartSection(module, entries.get(0))) {
                names.add("in the start section");
            } else {
                names.add("in " + exportName(module, entries.get(i)));
            }
        }
        return names.isEmpty() ? "no guest code entered" : String.join(", then ", names);
    }

    static List<String> typeNames(List<ValType> types) {
        List<String> names = new ArrayList<>();
        for (ValType type : types) {
            names.add(Values.typeName(type));
        }
        return names;
    }

    // ---- request fields -------------------------------------------------------------------------

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new ProtocolError("the request needs a string " + quote(field));
        }
        return value.asText();
    }

    /** An id written as a JSON string or number. */
    private static String name(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !(value.isTextual() || value.isNumber())) {
            throw new ProtocolError("the request needs " + quote(field) + " (a string or a number)");
        }
        return value.asText();
    }

    private static byte[] base64(JsonNode node, String field) {
        String text = text(node, field);
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new ProtocolError(quote(field) + " is not base64: " + e.getMessage());
        }
    }

    private static String quote(String text) {
        return "\"" + text + "\"";
    }

    // ---- describing throwables ------------------------------------------------------------------

    static String messageOf(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.getClass().getName();
    }

    /** "java.lang.NullPointerException: text", as Java prints it. */
    static String describe(Throwable t) {
        return t.toString();
    }

    static String simpleName(Throwable t) {
        return t.getClass().getSimpleName();
    }

    static String stackHead(Throwable t, int lines) {
        StringWriter text = new StringWriter();
        t.printStackTrace(new PrintWriter(text));
        String[] all = text.toString().split("\n");
        StringBuilder head = new StringBuilder();
        for (int i = 0; i < Math.min(lines, all.length); i++) {
            if (i > 0) {
                head.append('\n');
            }
            head.append(all[i].replace("\t", "    ").stripTrailing());
        }
        return head.toString();
    }

    /** A request the worker cannot carry out: a bug on one side of the protocol. */
    static final class ProtocolError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ProtocolError(String message) {
            super(message);
        }
    }

    /** Chicory refused the module at load. */
    static final class CompileRefusal extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CompileRefusal(String message) {
            super(message);
        }
    }

    /** The harness's memory cap refused a memory whose initial size is already over it. */
    static final class OverCapException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OverCapException(String message) {
            super(message);
        }
    }

    // For the probe: the declared result types of an export of the session's module.
    List<String> exportResultTypes(String sessionName, String export) {
        Session session = sessions.get(sessionName);
        if (session == null || session.instance == null) {
            return List.of();
        }
        if (findExport(session.loaded.module, export, ExternalType.FUNCTION) == null) {
            return List.of();
        }
        return typeNames(session.instance.exportType(export).returns());
    }

    ObjectMapper json() {
        return json;
    }
}
