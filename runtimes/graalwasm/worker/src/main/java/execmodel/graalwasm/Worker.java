package execmodel.graalwasm;

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
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.graalvm.polyglot.io.IOAccess;

/**
 * The protocol handler: one request line in, one reply line out (docs/worker-protocol.md,
 * version 2). Requests are handled one at a time; guest code runs on a thread of its own per step,
 * for its stack ({@link #GUEST_STACK_BYTES}). The worker sets no time limit: the Rust side bounds
 * a step by the CPU time of this process and kills it when the step's budget is spent.
 *
 * <p>What GraalWasm 25.0.2 decides, and where. The links are to the vm-25.0.2 tag of oracle/graal;
 * the lines were read in wasm-language-25.0.2-sources.jar from Maven Central, the same release.
 *
 * <ul>
 *   <li>WASI is a built-in module, enabled per context with the option {@code wasm.Builtins};
 *       {@code wasi_snapshot_preview1} is the only WASI built-in (there is no {@code wasi_unstable};
 *       {@code linkingName:builtin} could alias one, which this worker does not do):
 *       https://github.com/oracle/graal/blob/vm-25.0.2/wasm/src/org.graalvm.wasm/src/org/graalvm/wasm/predefined/BuiltinModule.java#L62-L67
 *       https://github.com/oracle/graal/blob/vm-25.0.2/wasm/src/org.graalvm.wasm/src/org/graalvm/wasm/WasmOptions.java#L58-L75
 *   <li>argv is the context's application arguments ({@code Context.Builder.arguments("wasm", ..)},
 *       WasiArgsGetNode.java#L71), the environment the context's ({@code Context.Builder.environment},
 *       WasiEnvironGetNode.java#L75); fds 0-2 are the context's in/out/err streams and the preopens
 *       come from the option {@code wasm.WasiMapDirs} ({@code guest::host}), both read when the
 *       context's FdManager is made:
 *       https://github.com/oracle/graal/blob/vm-25.0.2/wasm/src/org.graalvm.wasm/src/org/graalvm/wasm/predefined/wasi/fd/FdManager.java#L65-L97
 *   <li>{@code Context.eval(source)} only parses and validates (EvalReturnsInstance is false by
 *       default); {@code module.newInstance()} makes a store, links, and runs the start sections,
 *       and nothing else:
 *       https://github.com/oracle/graal/blob/vm-25.0.2/wasm/src/org.graalvm.wasm/src/org/graalvm/wasm/WasmModule.java#L295-L314
 *       https://github.com/oracle/graal/blob/vm-25.0.2/wasm/src/org.graalvm.wasm/src/org/graalvm/wasm/Linker.java#L177-L201
 *       https://github.com/oracle/graal/blob/vm-25.0.2/wasm/src/org.graalvm.wasm/src/org/graalvm/wasm/Linker.java#L276-L315
 *       https://github.com/oracle/graal/blob/vm-25.0.2/wasm/docs/user/GraalWasmAPIMigration.md
 *   <li>Nothing in GraalWasm calls {@code _initialize} (the name appears nowhere in it).
 *       {@code _start} is called only by the {@code wasm} launcher, which executes the export
 *       {@code _start}, else {@code _main} ("Using the GraalWasm Launcher", --entry-point):
 *       https://github.com/oracle/graal/blob/vm-25.0.2/wasm/docs/user/README.md
 *       https://github.com/oracle/graal/blob/vm-25.0.2/wasm/src/org.graalvm.wasm.launcher/src/org/graalvm/wasm/launcher/WasmLauncher.java
 *       (WasmInstance.inferEntryPoint, "_main", "_start" or the start function, is for tests only
 *       and unused by the embedding API.)
 *   <li>WASI's memory import is bound to the importing instance's export {@code memory}, else to
 *       a module named "main": a module that imports WASI and exports no memory does not link:
 *       https://github.com/oracle/graal/blob/vm-25.0.2/wasm/src/org.graalvm.wasm/src/org/graalvm/wasm/WasmStore.java#L143-L175
 *       https://github.com/oracle/graal/blob/vm-25.0.2/wasm/src/org.graalvm.wasm/src/org/graalvm/wasm/Linker.java#L485-L531
 *   <li>proc_exit is {@code TruffleContext.closeExited(node, code)}: the whole context is closed
 *       and the embedder sees a PolyglotException with isExit() and getExitStatus() = the code as
 *       the guest passed it (an i32, not truncated); every later use of the context rethrows it:
 *       https://github.com/oracle/graal/blob/vm-25.0.2/wasm/src/org.graalvm.wasm/src/org/graalvm/wasm/predefined/wasi/WasiProcExitNode.java#L59-L62
 *   <li>Traps, link errors and exhaustion are WasmExceptions whose interop members
 *       {@code failureType} and {@code failure} name the Failure (trap, unlinkable, exhaustion,
 *       ...); a StackOverflowError of the guest thread becomes "call stack exhausted":
 *       https://github.com/oracle/graal/blob/vm-25.0.2/wasm/src/org.graalvm.wasm/src/org/graalvm/wasm/exception/WasmException.java#L133-L160
 *       https://github.com/oracle/graal/blob/vm-25.0.2/wasm/src/org.graalvm.wasm/src/org/graalvm/wasm/exception/Failure.java
 *       https://github.com/oracle/graal/blob/vm-25.0.2/wasm/src/org.graalvm.wasm/src/org/graalvm/wasm/nodes/WasmFunctionRootNode.java#L150-L152
 *   <li>poll_oneoff (and fd_allocate) are not implemented: they return ENOSYS:
 *       https://github.com/oracle/graal/blob/vm-25.0.2/wasm/src/org.graalvm.wasm/src/org/graalvm/wasm/predefined/wasi/WasiModule.java#L199
 * </ul>
 */
final class Worker {
    static final int PROTOCOL = 2;
    static final int PAGE_BYTES = 65536;
    /**
     * The stack of each guest thread. GraalWasm has no wasm stack limit of its own: a guest
     * overflows when the Java thread's stack does, and WasmFunctionRootNode turns the
     * StackOverflowError into the WasmException "call stack exhausted". 8 MiB matches a typical
     * native main-thread stack.
     */
    static final long GUEST_STACK_BYTES = 8L << 20;
    /** Every instance's source name. WASI's memory import falls back to a module of this name. */
    static final String SOURCE_NAME = "main";
    static final String WASI = "wasi_snapshot_preview1";

    static final String MEMORY_BYTE_ARRAY = "byte-array";
    static final String MEMORY_UNSAFE = "unsafe";

    private final ObjectMapper json;
    private final Engine engine;
    private final String memory;
    private final Map<String, Loaded> modules = new HashMap<>();
    private final Map<String, Session> sessions = new HashMap<>();
    // The request being answered, and where a line said before its reply goes (set by
    // Main.serve; null in tests and probes, where nothing kills the process midway).
    private volatile JsonNode currentId = NullNode.getInstance();
    private volatile Consumer<String> interim;

    Worker() {
        this(MEMORY_BYTE_ARRAY);
    }

    /**
     * {@code memory}: {@code byte-array} is GraalWasm's default memory, a Java byte[] that
     * memory.grow reallocates and copies on every call (ByteArrayWasmMemory.grow), so growing a
     * page at a time is quadratic. {@code unsafe} sets the experimental option
     * {@code wasm.UseUnsafeMemory} and the internal {@code wasm.DirectByteBufferMemoryAccess},
     * which select UnsafeWasmMemory (off-heap, grown by half its size at a time) for every
     * memory; the wasm semantics, the declared maximum included, are the same (WasmMemoryFactory):
     * https://github.com/oracle/graal/blob/vm-25.0.2/wasm/src/org.graalvm.wasm/src/org/graalvm/wasm/memory/WasmMemoryFactory.java#L49-L66
     */
    Worker(String memory) {
        if (!MEMORY_BYTE_ARRAY.equals(memory) && !MEMORY_UNSAFE.equals(memory)) {
            throw new IllegalArgumentException(
                    "unknown memory " + memory + " (want " + MEMORY_BYTE_ARRAY + " or " + MEMORY_UNSAFE + ")");
        }
        this.memory = memory;
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
        // One engine for all contexts, so that parsed modules can be shared between them
        // (WasmLanguage's context policy is SHARED). Engine messages and logs go to the worker's
        // stderr, never into a guest's captured stderr. On a JDK without JVMCI (any stock JDK)
        // Truffle runs the fallback runtime, interpreter only; it would say so on every context.
        this.engine =
                Engine.newBuilder("wasm")
                        .option("engine.WarnInterpreterOnly", "false")
                        .out(System.err)
                        .err(System.err)
                        .logHandler(System.err)
                        .build();
    }

    /** The GraalWasm version this jar was built against (Maven fills the resource in). */
    static String graalwasmVersion() {
        try (InputStream in = Worker.class.getResourceAsStream("/execmodel-graalwasm.properties")) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                String version = properties.getProperty("graalwasm.version");
                if (version != null && !version.isEmpty() && !version.startsWith("${")) {
                    return version;
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown";
    }

    /** Truffle's runtime: "Interpreted" on a JDK without JVMCI, else the compiling runtime's name. */
    String engineName() {
        return engine.getImplementationName();
    }

    void closeEngine() {
        for (Session session : sessions.values()) {
            session.close();
        }
        sessions.clear();
        engine.close(true);
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
                    body.put("runtime", "graalwasm");
                    body.put("version", graalwasmVersion());
                    body.put("protocol", PROTOCOL);
                    body.put("engine", engineName());
                    body.put("memory", memory);
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

    /** A module GraalWasm accepted, what the worker read of it, and its capped sources. */
    static final class Loaded {
        final byte[] wasm;
        final WasmInfo info;
        /** The source of each memory cap (-1: none): equal sources share their parse. */
        final Map<Long, Source> sources = new HashMap<>();

        Loaded(byte[] wasm, WasmInfo info) {
            this.wasm = wasm;
            this.info = info;
        }
    }

    static Source sourceOf(byte[] wasm) {
        return Source.newBuilder("wasm", ByteSequence.create(wasm), SOURCE_NAME).buildLiteral();
    }

    private void load(JsonNode request) {
        String name = name(request, "module");
        byte[] wasm = base64(request, "wasm");
        // Context.eval parses and validates the whole module, and (since 25.0) no more: no
        // instance, no linking, no guest code.
        try (Context loader =
                Context.newBuilder("wasm")
                        .engine(engine)
                        .in(InputStream.nullInputStream())
                        .out(OutputStream.nullOutputStream())
                        .err(OutputStream.nullOutputStream())
                        .build()) {
            loader.eval(sourceOf(wasm));
        } catch (PolyglotException e) {
            if (e.isInternalError()) {
                throw new CompileRefusal(stackHead(e, 6));
            }
            throw new CompileRefusal(messageOf(e));
        } catch (RuntimeException | StackOverflowError e) {
            // Not a refusal GraalWasm meant to make, but still its answer to this module.
            throw new CompileRefusal(describe(e));
        }
        WasmInfo info;
        try {
            info = WasmInfo.parse(wasm);
        } catch (RuntimeException e) {
            throw new ProtocolError("GraalWasm accepted the module but the worker cannot read its sections: " + e.getMessage());
        }
        modules.put(name, new Loaded(wasm, info));
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

    /**
     * Everything one session holds: its own polyglot context (WASI's configuration is the
     * context's, and proc_exit closes the context), at most one instance, and its output.
     */
    static final class Session {
        final String name;
        final Loaded loaded;
        final long memoryBytes;
        final Capture stdout;
        final Capture stderr;
        boolean started;
        Context context;
        /** Whether the context was closed (by proc_exit). */
        boolean contextClosed;
        /** What closed the context, for the refusals of a session left with no instance. */
        String gone;
        Value instance;
        Value exports;

        Session(String name, Loaded loaded, long outputBytes, long memoryBytes) {
            this.name = name;
            this.loaded = loaded;
            this.memoryBytes = memoryBytes;
            this.stdout = new Capture(outputBytes);
            this.stderr = new Capture(outputBytes);
        }

        /** Memory cap in pages, or -1 for none (GraalWasm's own limits then apply). */
        long capPages() {
            if (memoryBytes <= 0 || memoryBytes / PAGE_BYTES >= 65536) {
                return -1;
            }
            return memoryBytes / PAGE_BYTES;
        }

        void close() {
            instance = null;
            exports = null;
            Context c = context;
            context = null;
            if (c == null || contextClosed) {
                return;
            }
            closeQuietly(c);
        }
    }

    static void closeQuietly(Context context) {
        try {
            context.close();
        } catch (PolyglotException | IllegalStateException e) {
            // After proc_exit close() rethrows the exit.
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
        switch (what) {
            case "instantiate":
            case "run":
                result = instantiate(session, "run".equals(what), step.get("wasi"));
                break;
            case "call":
                result = call(session, step);
                break;
            case "memory":
                result = memoryAccess(session, () -> memoryPages(session));
                break;
            case "write":
                result = memoryAccess(session, () -> writeMemory(session, step));
                break;
            case "read":
                result = memoryAccess(session, () -> readMemory(session, step));
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
        if (result.surfaced != null) {
            body.put("surfaced", result.surfaced);
        }
        return body;
    }

    /** What the guest thread of an instantiate or run step got to. */
    /**
     * Sent as the launcher's way enters its entry point: an interim reply with that call. If the
     * step then spends its CPU budget the adapter kills this process and this is what is known
     * of the step; otherwise the step's own reply supersedes it.
     */
    private void announceEntry(String entry) {
        if (interim == null) {
            return;
        }
        ObjectNode said = json.createObjectNode();
        said.set("id", currentId);
        said.put("ok", true);
        said.put("entered", true);
        said.putArray("implicitCalls").add(entry);
        said.put("surfaced", "Value.execute() of the " + entry + " export was running when the step ended without a reply");
        try {
            interim.accept(json.writeValueAsString(said));
        } catch (JsonProcessingException e) {
            // Nothing to say then: the step's reply, or its absence, still tells the outcome.
        }
    }

    static final class Started {
        Value instance;
        Value exports;
        String entry;
    }

    /**
     * {@code instantiate}: a context of its own with WASI, {@code Context.eval(source)} (parse
     * only) and {@code module.newInstance()} (link, then the start section).
     *
     * <p>{@code run}: GraalWasm's own way to run a module is its {@code wasm} launcher, which is
     * not on Maven Central; this does what it does after making the context: eval, newInstance,
     * then execute the export {@code _start}, else {@code _main}, with no arguments and no check
     * of its type or of {@code _initialize}. A module with neither keeps its instance and returns
     * (the launcher would stop with "No entry-point function found, cannot start program.").
     */
    private StepResult instantiate(Session session, boolean run, JsonNode wasiConfig) {
        if (session.started) {
            throw new ProtocolError("the session already had its instantiate or run step");
        }
        session.started = true;
        StepResult result = new StepResult();
        Wasi wasi = Wasi.parse(wasiConfig);
        Loaded loaded = session.loaded;
        long cap = session.capPages();
        Source source;
        try {
            source = loaded.sources.computeIfAbsent(
                    cap, c -> sourceOf(c < 0 ? loaded.wasm : WasmInfo.capMemories(loaded.wasm, c)));
        } catch (WasmInfo.OverCapException e) {
            result.outcome = rejected("instantiate", e.getMessage(), "harness");
            result.surfaced = "the worker's memory cap (it clamps each memory's declared maximum before GraalWasm reads the module) refused the memory";
            return result;
        }
        Context context;
        try {
            context = contextFor(session, wasi);
        } catch (PolyglotException | IllegalArgumentException e) {
            result.outcome = hostError(messageOf(e));
            result.surfaced = simpleName(e) + " from Context.Builder.build() with the step's WASI configuration";
            return result;
        }
        session.context = context;
        Value module;
        try {
            module = context.eval(source);
        } catch (PolyglotException e) {
            classifyFailure(session, e, false, "Context.eval()", "before any guest code", result);
            return result;
        }
        Started started = new Started();
        GuestRun<Value> guest =
                runGuest(
                        session,
                        () -> {
                            Value instance = module.newInstance();
                            started.instance = instance;
                            started.exports = instance.getMember("exports");
                            if (!run) {
                                return null;
                            }
                            String entry = null;
                            Value function = null;
                            for (String candidate : new String[] {"_start", "_main"}) {
                                Value member = started.exports.getMember(candidate);
                                if (member != null) {
                                    entry = candidate;
                                    function = member;
                                    break;
                                }
                            }
                            if (function == null) {
                                return null;
                            }
                            started.entry = entry;
                            announceEntry(entry);
                            return function.execute();
                        });
        if (started.entry != null && !isApiRefusal(guest.error)) {
            // Value.execute() refusing the entry point (not executable, wrong arity) entered
            // no guest code: that is no call.
            result.implicitCalls.add(started.entry);
        }
        String where =
                started.instance == null
                        ? "in module.newInstance()"
                        : started.entry == null ? "after module.newInstance()" : "in " + started.entry + ", executed after module.newInstance()";
        if (guest.error == null) {
            session.instance = started.instance;
            session.exports = started.exports;
            result.outcome = returned(json.createArrayNode());
            if (run) {
                result.surfaced =
                        started.entry == null
                                ? "module.newInstance() returned; the instance exports neither _start nor _main, so the launcher's way calls nothing (the wasm launcher itself would stop: \"No entry-point function found, cannot start program.\")"
                                : "module.newInstance() returned, then Value.execute() of the " + started.entry + " export returned (the wasm launcher's entry point)";
            }
            return result;
        }
        // A trap or an exit in the entry point leaves the instance (an exit closes its context).
        if (started.instance != null) {
            session.instance = started.instance;
            session.exports = started.exports;
        }
        String api = started.instance == null ? "module.newInstance()" : "Value.execute() of " + started.entry;
        classifyFailure(session, guest.error, started.instance != null || startSectionRan(loaded), api, where, result);
        if (run && started.instance != null && isApiRefusal(guest.error)) {
            // The launcher's execute() of an entry point it cannot call: no guest code ran.
            result.outcome = rejected("run", messageOf(guest.error), "runtime");
            result.surfaced = simpleName(guest.error) + " from Value.execute() of the " + started.entry + " export, which the wasm launcher would execute the same way";
        }
        return result;
    }

    private static boolean startSectionRan(Loaded loaded) {
        return loaded.info.start >= 0;
    }

    /** The polyglot API refusing a call: not executable, wrong arity or argument types. */
    private static boolean isApiRefusal(Throwable error) {
        return error instanceof UnsupportedOperationException
                || error instanceof IllegalArgumentException
                || error instanceof ClassCastException
                || (error instanceof PolyglotException
                        && ((PolyglotException) error).isHostException()
                        && isApiRefusal(((PolyglotException) error).asHostException()));
    }

    private Context contextFor(Session session, Wasi wasi) {
        Context.Builder builder =
                Context.newBuilder("wasm")
                        .engine(engine)
                        .option("wasm.Builtins", WASI)
                        .arguments("wasm", wasi.args.toArray(new String[0]))
                        // Only the step's variables: nothing of the worker's own environment.
                        .allowEnvironmentAccess(EnvironmentAccess.NONE)
                        .environment(wasi.env)
                        .in(new ByteArrayInputStream(wasi.stdin))
                        .out(session.stdout)
                        .err(session.stderr);
        if (MEMORY_UNSAFE.equals(memory)) {
            builder.allowExperimentalOptions(true)
                    .option("wasm.UseUnsafeMemory", "true")
                    .option("wasm.DirectByteBufferMemoryAccess", "true");
        }
        if (wasi.preopenGuest != null) {
            // "[<virtualDir>::]<hostDir>,...": a comma in either path cannot be said.
            builder.option("wasm.WasiMapDirs", wasi.preopenGuest + "::" + wasi.preopenHost);
            builder.allowIO(IOAccess.newBuilder().allowHostFileAccess(true).build());
        }
        return builder.build();
    }

    private StepResult call(Session session, JsonNode step) {
        StepResult result = new StepResult();
        String name = text(step, "export");
        if (session.instance == null) {
            result.outcome = rejected("call", "there is no instance to call" + goneReason(session), "harness");
            return result;
        }
        WasmInfo.FuncType type = session.loaded.info.exportedFunction(name);
        if (type == null) {
            result.outcome =
                    rejected("call", "the instance has no exported function " + name, "harness");
            return result;
        }
        JsonNode results = step.path("results");
        List<String> resultTypes = new ArrayList<>();
        results.forEach(r -> resultTypes.add(r.asText()));
        if (!type.results.equals(resultTypes)) {
            result.outcome =
                    rejected(
                            "call",
                            "export " + name + " returns (" + String.join(", ", type.results)
                                    + ") but the step expects (" + String.join(", ", resultTypes)
                                    + ")",
                            "harness");
            return result;
        }
        // The arguments go to GraalWasm as the step gives them, however many and of whatever
        // type: Value.execute() checks them against the export's type itself.
        JsonNode args = step.path("args");
        Object[] raw = new Object[args.size()];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = Values.fromWire(args.get(i));
        }
        Value exports = session.exports;
        // getMember too: on a context proc_exit closed, every use of the instance rethrows the exit.
        GuestRun<Value> guest = runGuest(session, () -> exports.getMember(name).execute(raw));
        String where = "export " + name;
        if (guest.error == null) {
            result.outcome = returned(resultValues(type, guest.value));
            return result;
        }
        if (isApiRefusal(guest.error)) {
            result.outcome = rejected("call", messageOf(guest.error), "runtime");
            result.surfaced = simpleName(guest.error) + " from Value.execute() of the " + name + " export; no guest code ran";
            return result;
        }
        classifyFailure(session, guest.error, true, "Value.execute()", where, result);
        return result;
    }

    /** A call's results: none, one value, or (multi-value) an interop array of them. */
    private ArrayNode resultValues(WasmInfo.FuncType type, Value value) {
        ArrayNode out = json.createArrayNode();
        int want = type.results.size();
        if (want == 1) {
            out.add(Values.toWire(json, type.results.get(0), value));
        } else if (want > 1) {
            if (value == null || !value.hasArrayElements() || value.getArraySize() != want) {
                throw new ProtocolError(
                        "GraalWasm returned " + value + " for " + want + " result types");
            }
            for (int i = 0; i < want; i++) {
                out.add(Values.toWire(json, type.results.get(i), value.getArrayElement(i)));
            }
        }
        return out;
    }

    /**
     * A host access of the exported memory. It runs no guest code, so the only exit that can
     * come out of it is the one GraalWasm rethrows on every use of a context proc_exit closed.
     */
    private StepResult memoryAccess(Session session, Supplier<StepResult> access) {
        try {
            return access.get();
        } catch (PolyglotException e) {
            if (!e.isExit()) {
                throw e;
            }
            StepResult result = new StepResult();
            classifyFailure(session, e, false, "Value.getMember(\"memory\")", "the exported memory", result);
            return result;
        }
    }

    private StepResult memoryPages(Session session) {
        StepResult result = new StepResult();
        Object memory = exportedMemory(session);
        if (memory instanceof ObjectNode) {
            result.outcome = (ObjectNode) memory;
            return result;
        }
        ArrayNode values = json.createArrayNode();
        values.add(Values.i32(json, ((Value) memory).getBufferSize() / PAGE_BYTES));
        result.outcome = returned(values);
        return result;
    }

    /**
     * A host write. The polyglot buffer API has a bulk read but no bulk write, so the bytes go
     * in eight at a time (little-endian, as wasm lays them out) and the tail one by one.
     */
    private StepResult writeMemory(Session session, JsonNode step) {
        StepResult result = new StepResult();
        if (!step.path("offset").isIntegralNumber()) {
            throw new ProtocolError("a write step needs an offset");
        }
        byte[] data = base64(step, "bytes");
        Object found = exportedMemory(session);
        if (found instanceof ObjectNode) {
            result.outcome = (ObjectNode) found;
            return result;
        }
        Value memory = (Value) found;
        long offset = step.get("offset").asLong();
        ObjectNode refusal = checkRange(memory, offset, data.length);
        if (refusal != null) {
            result.outcome = refusal;
            return result;
        }
        int i = 0;
        for (; i + 8 <= data.length; i += 8) {
            long word = 0;
            for (int b = 7; b >= 0; b--) {
                word = (word << 8) | (data[i + b] & 0xffL);
            }
            memory.writeBufferLong(ByteOrder.LITTLE_ENDIAN, offset + i, word);
        }
        for (; i < data.length; i++) {
            memory.writeBufferByte(offset + i, data[i]);
        }
        result.outcome = returned(json.createArrayNode());
        return result;
    }

    private StepResult readMemory(Session session, JsonNode step) {
        StepResult result = new StepResult();
        if (!step.path("offset").isIntegralNumber() || !step.path("length").isIntegralNumber()) {
            throw new ProtocolError("a read step needs an offset and a length");
        }
        Object found = exportedMemory(session);
        if (found instanceof ObjectNode) {
            result.outcome = (ObjectNode) found;
            return result;
        }
        Value memory = (Value) found;
        long offset = step.get("offset").asLong();
        long length = step.get("length").asLong();
        ObjectNode refusal = checkRange(memory, offset, length);
        if (refusal != null) {
            result.outcome = refusal;
            return result;
        }
        if (length > Integer.MAX_VALUE - 8) {
            throw new ProtocolError("a read of " + length + " bytes does not fit one reply");
        }
        byte[] bytes = new byte[(int) length];
        memory.readBuffer(offset, bytes, 0, bytes.length);
        ObjectNode outcome = json.createObjectNode();
        outcome.put("kind", "bytes");
        outcome.put("bytes", Base64.getEncoder().encodeToString(bytes));
        result.outcome = outcome;
        return result;
    }

    private static String goneReason(Session session) {
        return session.gone == null ? "" : " (" + session.gone + ")";
    }

    /** The exported `memory` (a polyglot buffer), or the refusal to answer with. */
    private Object exportedMemory(Session session) {
        if (session.instance == null) {
            return rejected("call", "there is no instance" + goneReason(session), "harness");
        }
        if (!session.loaded.info.exportsMemory("memory")) {
            return rejected("call", "the instance exports no memory", "harness");
        }
        Value memory = session.exports.getMember("memory");
        if (memory == null || !memory.hasBufferElements()) {
            return rejected("call", "the export memory is not a buffer: " + memory, "harness");
        }
        return memory;
    }

    private ObjectNode checkRange(Value memory, long offset, long length) {
        long size = memory.getBufferSize();
        if (offset < 0 || length < 0 || offset + length > size) {
            return rejected(
                    "call",
                    "memory access of " + length + " bytes at " + offset
                            + " is outside the memory (" + size + " bytes)",
                    "harness");
        }
        return null;
    }

    // ---- the WASI configuration -----------------------------------------------------------------

    /** A step's `wasi` object. */
    static final class Wasi {
        final List<String> args = new ArrayList<>();
        /**
         * Context.Builder.environment takes a map: a repeated key keeps its first position and its
         * last value.
         */
        final Map<String, String> env = new LinkedHashMap<>();
        byte[] stdin = new byte[0];
        String preopenGuest;
        String preopenHost;

        static Wasi parse(JsonNode config) {
            Wasi wasi = new Wasi();
            if (config == null || config.isNull()) {
                return wasi;
            }
            if (!config.isObject()) {
                throw new ProtocolError("wasi must be an object");
            }
            for (JsonNode arg : config.path("args")) {
                if (!arg.isTextual()) {
                    throw new ProtocolError("wasi.args must be strings");
                }
                wasi.args.add(arg.asText());
            }
            for (JsonNode pair : config.path("env")) {
                if (!pair.isArray() || pair.size() != 2) {
                    throw new ProtocolError("an env entry must be [key, value], not " + pair);
                }
                wasi.env.put(pair.get(0).asText(), pair.get(1).asText());
            }
            if (config.hasNonNull("stdin")) {
                wasi.stdin = base64(config, "stdin");
            }
            JsonNode preopen = config.path("preopen");
            if (preopen.isObject()) {
                wasi.preopenGuest = text(preopen, "guest");
                wasi.preopenHost = text(preopen, "host");
            }
            return wasi;
        }
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
     * Sorts a failure out of eval, newInstance or an export call. GraalWasm's message is kept as
     * it is; {@code surfaced} says how it came out.
     */
    private void classifyFailure(
            Session session,
            Throwable error,
            boolean guestRan,
            String api,
            String where,
            StepResult result) {
        if (!(error instanceof PolyglotException)) {
            // A Java exception of the polyglot layer or of GraalWasm itself.
            result.outcome = crashed(describe(error));
            result.surfaced = simpleName(error) + " from " + api + " (" + where + ")";
            return;
        }
        PolyglotException pe = (PolyglotException) error;
        String message = messageOf(pe);
        if (pe.isExit()) {
            result.outcome = exited(pe.getExitStatus());
            if (session.contextClosed) {
                result.surfaced = "PolyglotException.isExit() rethrown by the context closed at the earlier exit (" + where + ")";
                return;
            }
            session.contextClosed = true;
            session.gone = "proc_exit(" + pe.getExitStatus() + ") closed its polyglot context";
            result.surfaced = "PolyglotException isExit() from " + api + ", getExitStatus() " + pe.getExitStatus()
                    + " (" + where + "); proc_exit closed the context";
            return;
        }
        if (pe.isInterrupted() || pe.isCancelled()) {
            result.outcome = trapped("other", message, "runtime");
            result.surfaced = "PolyglotException " + (pe.isInterrupted() ? "isInterrupted()" : "isCancelled()")
                    + " from " + api + " although the harness did not interrupt it";
            return;
        }
        if (pe.isInternalError()) {
            result.outcome = crashed(stackHead(pe, 8));
            result.surfaced = "PolyglotException isInternalError() from " + api + " (" + where + ")";
            return;
        }
        if (pe.isHostException()) {
            Throwable host = pe.asHostException();
            result.outcome = crashed(describe(host));
            result.surfaced = "PolyglotException isHostException() from " + api + ", wrapping " + simpleName(host) + " (" + where + ")";
            return;
        }
        if (pe.isResourceExhausted()) {
            boolean stack = message.toLowerCase(java.util.Locale.ROOT).contains("stack");
            result.outcome = stack ? trapped("stack-overflow", message, "runtime") : crashed(message);
            result.surfaced = "PolyglotException isResourceExhausted() from " + api + " (" + where + ")";
            return;
        }
        String failureType = guestMember(pe, "failureType");
        String failureName = guestMember(pe, "failure");
        String wasiFunction = wasiFrame(pe);
        String from = "PolyglotException from " + api + ", a WasmException of failureType "
                + (failureType == null ? "(none)" : failureType)
                + (failureName == null ? "" : ", failure \"" + failureName + "\"");
        if (failureType == null) {
            // A guest exception that is not a WasmException (the WebAssembly JS API's errors).
            result.outcome = guestRan ? trapped("other", message, "runtime") : rejected(stageOf(api), message, "runtime");
            result.surfaced = "PolyglotException from " + api + " (" + where + ")";
            return;
        }
        switch (failureType) {
            case "trap":
            case "exhaustion":
                if (wasiFunction != null && "trap".equals(failureType)) {
                    result.outcome = hostError(message);
                    result.surfaced = from + ", thrown by the WASI function " + wasiFunction + " (" + where + ")";
                } else {
                    result.outcome = trapped(trapKind(failureName, message), message, "runtime");
                    result.surfaced = from + " (" + where + ")";
                }
                return;
            case "unlinkable":
                result.outcome = rejected("link", message, "runtime");
                result.surfaced = from + "; no guest code ran";
                return;
            case "malformed":
            case "invalid":
                result.outcome = rejected("instantiate", message, "runtime");
                result.surfaced = from;
                return;
            default:
                // "internal": GraalWasm's own failure, e.g. an unimplemented WASI clock.
                if (wasiFunction != null) {
                    result.outcome = hostError(message);
                    result.surfaced = from + ", thrown by the WASI function " + wasiFunction + " (" + where + ")";
                } else {
                    result.outcome = crashed(message);
                    result.surfaced = from + " (" + where + ")";
                }
        }
    }

    private static String stageOf(String api) {
        return api.startsWith("Value.execute") ? "call" : "instantiate";
    }

    /** A member of the WasmException behind a guest PolyglotException, or null. */
    private static String guestMember(PolyglotException pe, String member) {
        try {
            Value guest = pe.getGuestObject();
            if (guest == null || !guest.hasMember(member)) {
                return null;
            }
            Value value = guest.getMember(member);
            return value != null && value.isString() ? value.asString() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * The WASI function the failure was thrown in, when the innermost guest frame is one:
     * GraalWasm's built-in functions are root nodes named "wasm-function:__wasi_NAME".
     */
    private static String wasiFrame(PolyglotException pe) {
        try {
            for (PolyglotException.StackFrame frame : pe.getPolyglotStackTrace()) {
                if (!frame.isGuestFrame()) {
                    continue;
                }
                String root = frame.getRootName();
                if (root != null && root.startsWith("wasm-function:__wasi_")) {
                    return root.substring("wasm-function:__wasi_".length());
                }
                return null;
            }
        } catch (RuntimeException e) {
            // no stack trace
        }
        return null;
    }

    /** The trap kind, from GraalWasm's Failure name (else its message). */
    static String trapKind(String failureName, String message) {
        String text = (failureName != null ? failureName : message == null ? "" : message)
                .toLowerCase(java.util.Locale.ROOT);
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

    /** GraalWasm refused the module at load. */
    static final class CompileRefusal extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CompileRefusal(String message) {
            super(message);
        }
    }

    // For the probe: the module's export names and the result types of one export.
    List<String> exportNames(String moduleName) {
        Loaded loaded = modules.get(moduleName);
        return loaded == null ? List.of() : loaded.info.exportNames();
    }

    List<String> exportResultTypes(String sessionName, String export) {
        Session session = sessions.get(sessionName);
        if (session == null) {
            return List.of();
        }
        WasmInfo.FuncType type = session.loaded.info.exportedFunction(export);
        return type == null ? List.of() : type.results;
    }

    ObjectMapper json() {
        return json;
    }
}
