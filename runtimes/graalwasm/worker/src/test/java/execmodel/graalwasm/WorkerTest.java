package execmodel.graalwasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Drives the protocol handler in-process on the committed corpus. One worker (one polyglot
 * engine) serves every test, as one worker process serves many trials; each test uses sessions of
 * its own.
 */
class WorkerTest {
    static final Path CORPUS = Path.of(System.getProperty("execmodel.corpus", "../../../corpus"));
    static final ObjectMapper JSON = new ObjectMapper();
    static Worker worker;
    static Worker unsafeWorker;
    static int sessions;

    @BeforeAll
    static void startWorkers() {
        worker = new Worker();
        unsafeWorker = new Worker(Worker.MEMORY_UNSAFE);
    }

    @AfterAll
    static void stopWorkers() {
        worker.closeEngine();
        unsafeWorker.closeEngine();
    }

    /** Requests against a shared worker, with session names of its own. */
    static final class Driver {
        final String prefix = "t" + (++sessions) + "-";
        final Worker worker;
        int id;

        Driver() {
            this(WorkerTest.worker);
        }

        Driver(String memory) {
            this(Worker.MEMORY_UNSAFE.equals(memory) ? unsafeWorker : WorkerTest.worker);
        }

        Driver(Worker worker) {
            this.worker = worker;
        }

        JsonNode request(ObjectNode request) {
            request.put("id", ++id);
            try {
                String reply = worker.handleLine(JSON.writeValueAsString(request));
                JsonNode node = JSON.readTree(reply);
                assertEquals(id, node.path("id").asInt(), reply);
                return node;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        JsonNode load(String module, String corpusPath) {
            return loadBytes(module, read(corpusPath));
        }

        JsonNode loadBytes(String module, byte[] wasm) {
            ObjectNode load = JSON.createObjectNode();
            load.put("op", "load");
            load.put("module", prefix + module);
            load.put("wasm", Base64.getEncoder().encodeToString(wasm));
            return request(load);
        }

        void open(String session, String module, long memoryBytes) {
            open(session, module, memoryBytes, 1 << 16);
        }

        void open(String session, String module, long memoryBytes, long outputBytes) {
            ObjectNode open = JSON.createObjectNode();
            open.put("op", "open");
            open.put("session", prefix + session);
            open.put("module", prefix + module);
            open.put("outputBytes", outputBytes);
            open.put("memoryBytes", memoryBytes);
            assertTrue(request(open).path("ok").asBoolean());
        }

        JsonNode step(String session, ObjectNode step) {
            ObjectNode request = JSON.createObjectNode();
            request.put("op", "step");
            request.put("session", prefix + session);
            request.set("step", step);
            JsonNode reply = request(request);
            assertTrue(reply.path("ok").asBoolean(), reply.toString());
            return reply;
        }

        static ObjectNode wasi(List<String> args, Map<String, String> env) {
            ObjectNode wasi = JSON.createObjectNode();
            ArrayNode argv = wasi.putArray("args");
            args.forEach(argv::add);
            ArrayNode pairs = wasi.putArray("env");
            env.forEach((k, v) -> pairs.addArray().add(k).add(v));
            wasi.put("stdin", "");
            wasi.putNull("preopen");
            return wasi;
        }

        JsonNode start(String session, String doing, List<String> args, Map<String, String> env) {
            return start(session, doing, wasi(args, env));
        }

        JsonNode start(String session, String doing, ObjectNode wasi) {
            ObjectNode step = JSON.createObjectNode();
            step.put("do", doing);
            step.set("wasi", wasi);
            return step(session, step);
        }

        JsonNode call(String session, String export) {
            ObjectNode step = JSON.createObjectNode();
            step.put("do", "call");
            step.put("export", export);
            step.putArray("args");
            step.putArray("results");
            return step(session, step);
        }

        JsonNode close(String session) {
            ObjectNode close = JSON.createObjectNode();
            close.put("op", "close");
            close.put("session", prefix + session);
            return request(close);
        }
    }

    static byte[] read(String corpusPath) {
        try {
            return Files.readAllBytes(CORPUS.resolve(corpusPath));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String stdout(JsonNode reply) {
        return new String(Base64.getDecoder().decode(reply.path("stdout").asText()), StandardCharsets.UTF_8);
    }

    static void assertOutcome(JsonNode reply, String kind, String detailField, String detail) {
        JsonNode outcome = reply.path("outcome");
        assertEquals(kind, outcome.path("kind").asText(), reply.toString());
        if (detailField != null) {
            assertEquals(detail, outcome.path(detailField).asText(), reply.toString());
        }
    }

    @Test
    void helloNamesGraalWasmAndItsVersion() {
        Driver d = new Driver();
        ObjectNode hello = JSON.createObjectNode();
        hello.put("op", "hello");
        JsonNode reply = d.request(hello);
        assertEquals("graalwasm", reply.path("runtime").asText());
        assertEquals("25.0.2", reply.path("version").asText());
        assertEquals(2, reply.path("protocol").asInt());
        assertFalse(reply.path("engine").asText().isEmpty(), reply.toString());
        assertEquals("byte-array", reply.path("memory").asText());
        assertEquals("unsafe", new Driver(Worker.MEMORY_UNSAFE).request(hello).path("memory").asText());
    }

    /**
     * As the launcher's way executes `_start` the worker says so before the call: if the step then
     * spends its budget, the adapter kills the process and keeps only that. An instantiate step
     * enters nothing by itself.
     */
    @Test
    void runAnnouncesTheEntryItExecutes() throws Exception {
        Driver d = new Driver(new Worker(Worker.MEMORY_BYTE_ARRAY));
        List<String> said = new java.util.ArrayList<>();
        d.worker.interimReplies(said::add);
        d.load("m", "wat/start_section.wasm");
        d.open("s", "m", 64L << 20);
        d.start("s", "run", List.of("x"), Map.of());
        assertEquals(1, said.size(), said.toString());
        JsonNode entered = JSON.readTree(said.get(0));
        assertEquals(d.id, entered.path("id").asInt());
        assertTrue(entered.path("entered").asBoolean());
        assertEquals("[\"_start\"]", entered.path("implicitCalls").toString());
        said.clear();
        d.open("t", "m", 64L << 20);
        d.start("t", "instantiate", List.of("x"), Map.of());
        assertEquals(List.of(), said);
    }

    @Test
    void exitCodesComeBackWhole() {
        Driver d = new Driver();
        String[][] cases = {{"wat/exit_1000.wasm", "1000"}, {"wat/exit_256.wasm", "256"}, {"wat/exit_minus_1.wasm", "-1"}};
        for (String[] c : cases) {
            d.load(c[0], c[0]);
            d.open(c[0] + "-run", c[0], 64L << 20);
            JsonNode run = d.start(c[0] + "-run", "run", List.of("x"), Map.of());
            assertOutcome(run, "exited", "code", c[1]);
            assertEquals("[\"_start\"]", run.path("implicitCalls").toString());
            assertTrue(run.path("hasInstance").asBoolean(), "proc_exit closed the context, not the instance");
            assertTrue(run.path("surfaced").asText().startsWith("PolyglotException isExit()"), run.toString());

            d.open(c[0] + "-start", c[0], 64L << 20);
            assertOutcome(d.start(c[0] + "-start", "instantiate", List.of("x"), Map.of()), "returned", null, null);
            JsonNode start = d.call(c[0] + "-start", "_start");
            assertOutcome(start, "exited", "code", c[1]);
            JsonNode after = d.call(c[0] + "-start", "_start");
            assertOutcome(after, "exited", "code", c[1]);
        }
    }

    /** Every later use of an instance whose context proc_exit closed rethrows that exit. */
    @Test
    void laterUsesRethrowTheExit() {
        Driver d = new Driver();
        d.load("m", "wat/exit_1000.wasm");
        d.open("s", "m", 64L << 20);
        assertOutcome(d.start("s", "instantiate", List.of("exit_1000.wasm"), Map.of()), "returned", null, null);
        assertOutcome(d.call("s", "_start"), "exited", "code", "1000");
        JsonNode call = d.call("s", "_start");
        assertOutcome(call, "exited", "code", "1000");
        assertEquals("PolyglotException.isExit() rethrown by the context closed at the earlier exit (export _start)", call.path("surfaced").asText());
        assertTrue(call.path("hasInstance").asBoolean());
        ObjectNode read = JSON.createObjectNode();
        read.put("do", "read");
        read.put("offset", 0);
        read.put("length", 4);
        JsonNode memory = d.step("s", read);
        assertOutcome(memory, "exited", "code", "1000");
        assertEquals("PolyglotException.isExit() rethrown by the context closed at the earlier exit (the exported memory)", memory.path("surfaced").asText());
    }

    /** A call whose arguments do not fit the export's type goes to GraalWasm, which refuses it. */
    @Test
    void argumentsThatDoNotFitAreGraalWasmsToRefuse() {
        Driver d = new Driver();
        d.load("m", "wat/start_with_params.wasm");
        d.open("s", "m", 64L << 20);
        assertOutcome(d.start("s", "instantiate", List.of("start_with_params.wasm"), Map.of()), "returned", null, null);
        JsonNode reply = d.call("s", "_start");
        assertOutcome(reply, "rejected", "stage", "call");
        assertEquals("runtime", reply.path("outcome").path("by").asText());
        assertEquals(
                "Invalid argument count when executing 'com.oracle.truffle.polyglot.PolyglotFunction'(language: Java, type: com.oracle.truffle.polyglot.PolyglotFunction) with arguments []. Expected 1 argument(s) but got 0.",
                reply.path("outcome").path("message").asText());
        assertEquals("IllegalArgumentException from Value.execute() of the _start export; no guest code ran", reply.path("surfaced").asText());
        assertTrue(reply.path("hasInstance").asBoolean());

        d.load("t", "wat/typed_values.wasm");
        d.open("t1", "t", 64L << 20);
        d.start("t1", "instantiate", List.of("typed_values.wasm"), Map.of());
        ObjectNode add = JSON.createObjectNode();
        add.put("do", "call");
        add.put("export", "add_i64");
        add.putArray("args")
                .add(JSON.createObjectNode().put("type", "i32").put("bits", "1"))
                .add(JSON.createObjectNode().put("type", "i32").put("bits", "2"));
        add.putArray("results").add("i64");
        JsonNode wrongTypes = d.step("t1", add);
        assertOutcome(wrongTypes, "rejected", "stage", "call");
        assertEquals("runtime", wrongTypes.path("outcome").path("by").asText());
        assertTrue(wrongTypes.path("outcome").path("message").asText().startsWith("Invalid argument when executing"), wrongTypes.toString());
    }

    @Test
    void stackOverflowTraps() {
        Driver d = new Driver();
        d.load("m", "wat/stack_overflow.wasm");
        d.open("s", "m", 64L << 20);
        JsonNode reply = d.start("s", "run", List.of("stack_overflow.wasm"), Map.of());
        assertOutcome(reply, "trapped", "trap", "stack-overflow");
        assertEquals("runtime", reply.path("outcome").path("by").asText());
        assertEquals("call stack exhausted", reply.path("outcome").path("message").asText());
        assertEquals("[\"_start\"]", reply.path("implicitCalls").toString());
        assertTrue(reply.path("hasInstance").asBoolean(), "a trap keeps the instance");
    }

    @ParameterizedTest
    @ValueSource(strings = {Worker.MEMORY_BYTE_ARRAY, Worker.MEMORY_UNSAFE})
    void memoryBombStopsAtTheCap(String memory) {
        Driver d = new Driver(memory);
        d.load("m", "wat/memory_bomb.wasm");
        d.open("s", "m", 64L << 20);
        d.start("s", "instantiate", List.of("memory_bomb.wasm"), Map.of());
        // memory.grow returned -1 at the (rewritten) maximum, so the loop ended and `unreachable` ran.
        JsonNode reply = d.call("s", "_start");
        assertOutcome(reply, "trapped", "trap", "unreachable");
        ObjectNode size = JSON.createObjectNode();
        size.put("do", "memory");
        JsonNode pages = d.step("s", size);
        assertEquals("1024", pages.path("outcome").path("values").get(0).path("bits").asText());
    }

    /** The worker sets no time limit: a deadlineMs an older adapter still sends changes nothing. */
    @Test
    void deadlineMsInOpenIsIgnored() {
        Driver d = new Driver(Worker.MEMORY_UNSAFE);
        d.load("m", "wat/memory_bomb.wasm");
        ObjectNode open = JSON.createObjectNode();
        open.put("op", "open");
        open.put("session", d.prefix + "s");
        open.put("module", d.prefix + "m");
        open.put("outputBytes", 1 << 16);
        open.put("memoryBytes", 64L << 20);
        open.put("deadlineMs", 1);
        assertTrue(d.request(open).path("ok").asBoolean());
        d.start("s", "instantiate", List.of("memory_bomb.wasm"), Map.of());
        // Growing to the cap a page at a time takes far longer than 1 ms.
        assertOutcome(d.call("s", "_start"), "trapped", "trap", "unreachable");
    }

    @ParameterizedTest
    @ValueSource(strings = {Worker.MEMORY_BYTE_ARRAY, Worker.MEMORY_UNSAFE})
    void memoryStartingOverTheCapIsRefused(String memory) {
        Driver d = new Driver(memory);
        d.load("m", "wat/memory_bomb.wasm");
        // Less than the one page the module starts with.
        d.open("s", "m", 1000);
        JsonNode reply = d.start("s", "instantiate", List.of("memory_bomb.wasm"), Map.of());
        assertOutcome(reply, "rejected", "stage", "instantiate");
        assertEquals("harness", reply.path("outcome").path("by").asText());
        assertEquals(
                "memory 0 of the module starts at 1 pages, more than the cap of 0 pages",
                reply.path("outcome").path("message").asText());
    }

    @Test
    void commandEchoPrintsArgsAndEnv() {
        Driver d = new Driver();
        d.load("m", "c/command_echo.wasm");
        d.open("s", "m", 64L << 20);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GREETING", "hi there");
        JsonNode reply = d.start("s", "run", List.of("prog", "a b", ""), env);
        assertOutcome(reply, "returned", null, null);
        assertEquals("argv[0]=prog\nargv[1]=a b\nargv[2]=\nGREETING=hi there\n", stdout(reply));
        assertEquals("[\"_start\"]", reply.path("implicitCalls").toString());

        d.open("t", "m", 64L << 20);
        assertOutcome(d.start("t", "instantiate", List.of("command_echo.wasm"), Map.of("EXIT_CODE", "-1")), "returned", null, null);
        JsonNode exit = d.call("t", "_start");
        assertOutcome(exit, "exited", "code", "-1");
        assertEquals("argv[0]=command_echo.wasm\n", stdout(exit));
    }

    @Test
    void stdinAndPreopenReachTheGuest(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("in.txt"), "hello file");
        Driver d = new Driver();
        d.load("m", "c/stdin_preopen.wasm");
        d.open("s", "m", 64L << 20);
        ObjectNode wasi = Driver.wasi(List.of("stdin_preopen.wasm"), Map.of());
        wasi.put("stdin", Base64.getEncoder().encodeToString("some input".getBytes(StandardCharsets.UTF_8)));
        wasi.putObject("preopen").put("guest", "/sandbox").put("host", dir.toString());
        assertOutcome(d.start("s", "instantiate", wasi), "returned", null, null);
        JsonNode reply = d.call("s", "_start");
        assertOutcome(reply, "returned", null, null);
        assertEquals("stdin: some input\nin.txt: hello file\nout.txt: written by the guest\n", stdout(reply));
        assertEquals("written by the guest", Files.readString(dir.resolve("out.txt")));
    }

    @Test
    void outputOverTheCapIsCounted() {
        Driver d = new Driver();
        d.load("m", "c/command_echo.wasm");
        d.open("s", "m", 64L << 20, 5);
        JsonNode reply = d.start("s", "run", List.of("prog"), Map.of());
        assertEquals("argv[", stdout(reply));
        assertEquals("argv[0]=prog\n".length() - 5, reply.path("stdoutDropped").asInt());
    }

    @Test
    void wasiUnstableIsNoGraalWasmModule() {
        Driver d = new Driver();
        d.load("m", "wat/wasi_unstable.wasm");
        d.open("s", "m", 64L << 20);
        JsonNode reply = d.start("s", "run", List.of("wasi_unstable.wasm"), Map.of());
        assertOutcome(reply, "rejected", "stage", "link");
        assertEquals(
                "The module 'wasi_unstable', referenced by the import 'fd_write' in the module 'main', does not exist.",
                reply.path("outcome").path("message").asText());
    }

    @Test
    void startSectionRunsUnderInstantiate() {
        Driver d = new Driver();
        d.load("m", "wat/start_section.wasm");
        d.open("s", "m", 64L << 20);
        JsonNode first = d.start("s", "instantiate", List.of("start_section.wasm"), Map.of());
        assertOutcome(first, "returned", null, null);
        assertEquals("start section\n", stdout(first));
        assertEquals("[]", first.path("implicitCalls").toString());
        JsonNode second = d.call("s", "_start");
        assertOutcome(second, "exited", "code", "11");

        d.load("t", "wat/start_section_traps.wasm");
        d.open("t", "t", 64L << 20);
        JsonNode trapped = d.start("t", "instantiate", List.of("x"), Map.of());
        assertOutcome(trapped, "trapped", "trap", "unreachable");
        assertFalse(trapped.path("hasInstance").asBoolean());

        d.load("e", "wat/start_section_exits.wasm");
        d.open("e", "e", 64L << 20);
        assertOutcome(d.start("e", "instantiate", List.of("x"), Map.of()), "exited", "code", "3");
    }

    @Test
    void runCallsStartOnlyAndNeverInitialize() {
        Driver d = new Driver();
        d.load("both", "wat/both_exports.wasm");
        d.open("s", "both", 64L << 20);
        JsonNode both = d.start("s", "run", List.of("both_exports.wasm"), Map.of());
        assertOutcome(both, "returned", null, null);
        assertEquals("start\n", stdout(both));
        assertEquals("[\"_start\"]", both.path("implicitCalls").toString());

        d.load("reactor", "c/reactor_counter.wasm");
        d.open("r", "reactor", 64L << 20);
        JsonNode reactor = d.start("r", "run", List.of("reactor_counter.wasm"), Map.of());
        assertOutcome(reactor, "returned", null, null);
        assertEquals("[]", reactor.path("implicitCalls").toString());
        assertTrue(reactor.path("hasInstance").asBoolean());

        d.load("global", "wat/start_is_global.wasm");
        d.open("g", "global", 64L << 20);
        JsonNode global = d.start("g", "run", List.of("x"), Map.of());
        assertOutcome(global, "rejected", "stage", "run");
        assertEquals("[]", global.path("implicitCalls").toString());
        assertTrue(global.path("outcome").path("message").asText().startsWith("Unsupported operation Value.execute"), global.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {Worker.MEMORY_BYTE_ARRAY, Worker.MEMORY_UNSAFE})
    void linkErrorsAndHarnessRefusals(String memory) {
        Driver d = new Driver(memory);
        d.load("u", "wat/unknown_import.wasm");
        d.open("s", "u", 64L << 20);
        JsonNode link = d.start("s", "run", List.of("x"), Map.of());
        assertOutcome(link, "rejected", "stage", "link");
        assertEquals("runtime", link.path("outcome").path("by").asText());
        assertTrue(link.path("outcome").path("message").asText().contains("fd_frobnicate"));

        d.load("nomem", "wat/memory_not_exported.wasm");
        d.open("n", "nomem", 64L << 20);
        JsonNode nomem = d.start("n", "instantiate", List.of("x"), Map.of());
        assertOutcome(nomem, "rejected", "stage", "link");
        assertTrue(nomem.path("outcome").path("message").asText().contains("does not export any memories"), nomem.toString());

        d.load("t", "wat/typed_values.wasm");
        d.open("t1", "t", 64L << 20);
        d.start("t1", "instantiate", List.of("x"), Map.of());
        JsonNode missing = d.call("t1", "nope");
        assertOutcome(missing, "rejected", "stage", "call");
        assertEquals("the instance has no exported function nope", missing.path("outcome").path("message").asText());

        ObjectNode swap = JSON.createObjectNode();
        swap.put("do", "call");
        swap.put("export", "swap");
        swap.putArray("args")
                .add(JSON.createObjectNode().put("type", "i32").put("bits", "4294967295"))
                .add(JSON.createObjectNode().put("type", "i64").put("bits", "18446744073709551615"));
        swap.putArray("results").add("i64").add("i32");
        JsonNode swapped = d.step("t1", swap);
        assertEquals(
                "[{\"type\":\"i64\",\"bits\":\"18446744073709551615\"},{\"type\":\"i32\",\"bits\":\"4294967295\"}]",
                swapped.path("outcome").path("values").toString());

        ObjectNode neg = JSON.createObjectNode();
        neg.put("do", "call");
        neg.put("export", "neg_f64");
        // A NaN with a payload: f64.neg flips the sign bit only.
        neg.putArray("args").add(JSON.createObjectNode().put("type", "f64").put("bits", Long.toUnsignedString(0x7ff4000000000001L)));
        neg.putArray("results").add("f64");
        assertEquals(
                Long.toUnsignedString(0xfff4000000000001L),
                d.step("t1", neg).path("outcome").path("values").get(0).path("bits").asText());

        ObjectNode read = JSON.createObjectNode();
        read.put("do", "read");
        read.put("offset", 65530);
        read.put("length", 10);
        assertEquals(
                "memory access of 10 bytes at 65530 is outside the memory (65536 bytes)",
                d.step("t1", read).path("outcome").path("message").asText());
    }

    @Test
    void trapKindsByGraalWasmsFailure() {
        Driver d = new Driver();
        d.load("m", "c/trap_kinds.wasm");
        // {export, argument bits..., trap kind, GraalWasm's message}
        String[][] cases = {
            {"divide", "1", "0", "other", "integer divide by zero"},
            {"divide", "2147483648", "4294967295", "other", "integer overflow"},
            {"load", "4294967292", null, "out-of-bounds",
                "4-byte memory access at address 0x00000000FFFFFFFC (4294967292) is out-of-bounds (memory size 131072 bytes)."},
            // C's shadow stack (64 KiB of linear memory) or the Java thread's stack, whichever
            // runs out first: either way the kind follows the message.
            {"depth", "0", null, null, null},
        };
        int n = 0;
        for (String[] c : cases) {
            String session = "s" + (n++);
            d.open(session, "m", 64L << 20);
            d.start(session, "instantiate", List.of("trap_kinds.wasm"), Map.of());
            assertOutcome(d.call(session, "_initialize"), "returned", null, null);
            ObjectNode call = JSON.createObjectNode();
            call.put("do", "call");
            call.put("export", c[0]);
            ArrayNode args = call.putArray("args");
            args.add(JSON.createObjectNode().put("type", "i32").put("bits", c[1]));
            if (c[2] != null) {
                args.add(JSON.createObjectNode().put("type", "i32").put("bits", c[2]));
            }
            call.putArray("results").add("i32");
            JsonNode reply = d.step(session, call);
            String message = reply.path("outcome").path("message").asText();
            if (c[3] == null) {
                assertOutcome(reply, "trapped", "trap", message.equals("call stack exhausted") ? "stack-overflow" : "out-of-bounds");
            } else {
                assertOutcome(reply, "trapped", "trap", c[3]);
                assertEquals(c[4], message);
            }
            assertEquals("runtime", reply.path("outcome").path("by").asText());
            assertTrue(reply.path("hasInstance").asBoolean(), "a trap keeps the instance");
        }
    }

    @Test
    void malformedModuleIsACompileRefusal() {
        Driver d = new Driver();
        JsonNode reply = d.loadBytes("bad", new byte[] {0, 'a', 's', 'm', 2, 0, 0, 0});
        assertFalse(reply.path("ok").asBoolean());
        assertTrue(reply.path("compile").asBoolean(), reply.toString());
        assertFalse(reply.path("error").asText().isEmpty());
    }

    @Test
    void protocolErrorsAnswerOkFalse() throws IOException {
        Driver d = new Driver();
        JsonNode malformed = JSON.readTree(d.worker.handleLine("{}}"));
        assertTrue(malformed.path("id").isNull());
        assertFalse(malformed.path("ok").asBoolean());
        assertTrue(malformed.path("error").asText().startsWith("malformed request: "), malformed.toString());
        ObjectNode step = JSON.createObjectNode();
        step.put("op", "step");
        step.put("session", "nope");
        step.putObject("step").put("do", "memory");
        JsonNode reply = d.request(step);
        assertFalse(reply.path("ok").asBoolean());
        assertEquals("session nope is not open", reply.path("error").asText());
        assertTrue(d.close("never-opened").path("ok").asBoolean());
    }
}
