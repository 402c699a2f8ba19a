package execmodel.chicory;

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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Drives the protocol handler in-process on the committed corpus, under both engines. */
class WorkerTest {
    static final Path CORPUS = Path.of(System.getProperty("execmodel.corpus", "../../../corpus"));
    static final ObjectMapper JSON = new ObjectMapper();

    /** A worker with one module loaded and one session open on it. */
    static final class Driver {
        final Worker worker;
        int id;

        Driver(String engine) {
            worker = new Worker(engine);
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
            ObjectNode load = JSON.createObjectNode();
            load.put("op", "load");
            load.put("module", module);
            load.put("wasm", Base64.getEncoder().encodeToString(read(corpusPath)));
            return request(load);
        }

        void open(String session, String module, long memoryBytes) {
            ObjectNode open = JSON.createObjectNode();
            open.put("op", "open");
            open.put("session", session);
            open.put("module", module);
            open.put("outputBytes", 1 << 16);
            open.put("memoryBytes", memoryBytes);
            assertTrue(request(open).path("ok").asBoolean());
        }

        JsonNode step(String session, ObjectNode step) {
            ObjectNode request = JSON.createObjectNode();
            request.put("op", "step");
            request.put("session", session);
            request.set("step", step);
            JsonNode reply = request(request);
            assertTrue(reply.path("ok").asBoolean(), reply.toString());
            return reply;
        }

        JsonNode start(String session, String doing, List<String> args, Map<String, String> env) {
            ObjectNode step = JSON.createObjectNode();
            step.put("do", doing);
            ObjectNode wasi = step.putObject("wasi");
            ArrayNode argv = wasi.putArray("args");
            args.forEach(argv::add);
            ArrayNode pairs = wasi.putArray("env");
            env.forEach((k, v) -> pairs.addArray().add(k).add(v));
            wasi.put("stdin", "");
            wasi.putNull("preopen");
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

    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiler"})
    void helloNamesChicoryAndItsVersion(String engine) {
        Driver d = new Driver(engine);
        ObjectNode hello = JSON.createObjectNode();
        hello.put("op", "hello");
        JsonNode reply = d.request(hello);
        assertEquals("chicory", reply.path("runtime").asText());
        assertEquals("1.7.5", reply.path("version").asText());
        assertEquals(2, reply.path("protocol").asInt());
        assertEquals(engine, reply.path("engine").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiler"})
    void exit1000UnderRun(String engine) {
        Driver d = new Driver(engine);
        d.load("m", "wat/exit_1000.wasm");
        d.open("s", "m", 64L << 20);
        JsonNode reply = d.start("s", "run", List.of("exit_1000.wasm"), Map.of());
        assertOutcome(reply, "exited", "code", "1000");
        assertEquals("[\"_start\"]", reply.path("implicitCalls").toString());
        assertTrue(reply.path("surfaced").asText().startsWith("WasiExitException"), reply.toString());
        assertFalse(reply.path("hasInstance").asBoolean(), "build() threw: no instance");
    }

    /**
     * As build() enters `_start` by itself the worker says so before the call: if the step then
     * spends its budget, the adapter kills the process and keeps only that. The start section is
     * instantiation, and an instantiate step enters nothing by itself.
     */
    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiler"})
    void runAnnouncesTheEntryBuildMakes(String engine) throws IOException {
        Driver d = new Driver(engine);
        List<String> said = new java.util.ArrayList<>();
        d.worker.interimReplies(said::add);
        d.load("m", "wat/start_section.wasm");
        d.open("s", "m", 64L << 20);
        d.start("s", "run", List.of("start_section.wasm"), Map.of());
        assertEquals(1, said.size(), said.toString());
        JsonNode entered = JSON.readTree(said.get(0));
        assertEquals(d.id, entered.path("id").asInt());
        assertTrue(entered.path("entered").asBoolean());
        assertEquals("[\"_start\"]", entered.path("implicitCalls").toString());
        said.clear();
        d.open("t", "m", 64L << 20);
        d.start("t", "instantiate", List.of("start_section.wasm"), Map.of());
        assertEquals(List.of(), said);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiler"})
    void stackOverflowTraps(String engine) {
        Driver d = new Driver(engine);
        d.load("m", "wat/stack_overflow.wasm");
        d.open("s", "m", 64L << 20);
        JsonNode reply = d.start("s", "run", List.of("stack_overflow.wasm"), Map.of());
        assertOutcome(reply, "trapped", "trap", "stack-overflow");
        assertEquals("runtime", reply.path("outcome").path("by").asText());
        assertEquals("call stack exhausted", reply.path("outcome").path("message").asText());
        assertEquals("[\"_start\"]", reply.path("implicitCalls").toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiler"})
    void memoryBombStopsAtTheCap(String engine) {
        Driver d = new Driver(engine);
        d.load("m", "wat/memory_bomb.wasm");
        d.open("s", "m", 64L << 20);
        d.start("s", "instantiate", List.of("memory_bomb.wasm"), Map.of());
        // memory.grow returned -1 at the cap, so the loop ended and `unreachable` ran.
        JsonNode reply = d.call("s", "_start");
        assertOutcome(reply, "trapped", "trap", "unreachable");
        ObjectNode memory = JSON.createObjectNode();
        memory.put("do", "memory");
        JsonNode pages = d.step("s", memory);
        assertEquals("1024", pages.path("outcome").path("values").get(0).path("bits").asText());
    }

    /** The worker sets no time limit: a deadlineMs an older adapter still sends changes nothing. */
    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiler"})
    void deadlineMsInOpenIsIgnored(String engine) {
        Driver d = new Driver(engine);
        d.load("m", "wat/memory_bomb.wasm");
        ObjectNode open = JSON.createObjectNode();
        open.put("op", "open");
        open.put("session", "s");
        open.put("module", "m");
        open.put("outputBytes", 1 << 16);
        open.put("memoryBytes", 64L << 20);
        open.put("deadlineMs", 1);
        assertTrue(d.request(open).path("ok").asBoolean());
        d.start("s", "instantiate", List.of("memory_bomb.wasm"), Map.of());
        // Growing to the cap a page at a time takes far longer than 1 ms.
        assertOutcome(d.call("s", "_start"), "trapped", "trap", "unreachable");
    }

    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiler"})
    void commandEchoPrintsArgsAndEnv(String engine) {
        Driver d = new Driver(engine);
        d.load("m", "c/command_echo.wasm");
        d.open("s", "m", 64L << 20);
        JsonNode reply = d.start("s", "run", List.of("prog", "a b", ""), Map.of("GREETING", "hi there"));
        assertOutcome(reply, "returned", null, null);
        assertEquals("argv[0]=prog\nargv[1]=a b\nargv[2]=\nGREETING=hi there\n", stdout(reply));
        assertEquals("[\"_start\"]", reply.path("implicitCalls").toString());

        d.open("t", "m", 64L << 20);
        assertOutcome(d.start("t", "instantiate", List.of("command_echo.wasm"), Map.of("EXIT_CODE", "-1")), "returned", null, null);
        JsonNode exit = d.call("t", "_start");
        assertOutcome(exit, "exited", "code", "-1");
        assertEquals("argv[0]=command_echo.wasm\n", stdout(exit));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiler"})
    void outputOverTheCapIsCounted(String engine) {
        Driver d = new Driver(engine);
        d.load("m", "c/command_echo.wasm");
        ObjectNode open = JSON.createObjectNode();
        open.put("op", "open");
        open.put("session", "s");
        open.put("module", "m");
        open.put("outputBytes", 5);
        open.put("memoryBytes", 64L << 20);
        d.request(open);
        JsonNode reply = d.start("s", "run", List.of("prog"), Map.of());
        assertEquals("argv[", stdout(reply));
        assertEquals("argv[0]=prog\n".length() - 5, reply.path("stdoutDropped").asInt());
    }

    /** Chicory's WASI (WasiPreview1.toHostFunctions()) is wasi_snapshot_preview1 only. */
    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiler"})
    void wasiUnstableIsNoChicoryModule(String engine) {
        Driver d = new Driver(engine);
        d.load("m", "wat/wasi_unstable.wasm");
        d.open("s", "m", 64L << 20);
        JsonNode reply = d.start("s", "run", List.of("wasi_unstable.wasm"), Map.of());
        assertOutcome(reply, "rejected", "stage", "link");
        assertEquals("runtime", reply.path("outcome").path("by").asText());
        assertEquals(
                "unknown import, could not find host function for import number: 0 named wasi_unstable.fd_write",
                reply.path("outcome").path("message").asText());
        assertEquals("", stdout(reply));
    }

    /**
     * A call whose arguments do not fit the export's type still goes to Chicory: the interpreter
     * reads a missing parameter as 0, the compiled code indexes past the empty argument array,
     * and both take an i32 where an i64 is declared as the long it is.
     */
    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiler"})
    void argumentsThatDoNotFitAreChicorysToAnswer(String engine) {
        Driver d = new Driver(engine);
        d.load("m", "wat/start_with_params.wasm");
        d.open("s", "m", 64L << 20);
        assertOutcome(d.start("s", "instantiate", List.of("start_with_params.wasm"), Map.of()), "returned", null, null);
        JsonNode reply = d.call("s", "_start");
        if (engine.equals("interpreter")) {
            assertOutcome(reply, "exited", "code", "0");
        } else {
            assertOutcome(reply, "crashed", "message", "java.lang.ArrayIndexOutOfBoundsException: Index 0 out of bounds for length 0");
            assertEquals("ArrayIndexOutOfBoundsException from ExportFunction.apply() (export _start)", reply.path("surfaced").asText());
        }
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
        assertEquals("[{\"type\":\"i64\",\"bits\":\"3\"}]", d.step("t1", add).path("outcome").path("values").toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiler"})
    void startSectionRunsUnderInstantiate(String engine) {
        Driver d = new Driver(engine);
        d.load("m", "wat/start_section.wasm");
        d.open("s", "m", 64L << 20);
        JsonNode first = d.start("s", "instantiate", List.of("start_section.wasm"), Map.of());
        assertOutcome(first, "returned", null, null);
        assertEquals("start section\n", stdout(first));
        assertEquals("[]", first.path("implicitCalls").toString());
        JsonNode second = d.call("s", "_start");
        assertOutcome(second, "exited", "code", "11");
    }

    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiler"})
    void linkErrorsAndHarnessRefusals(String engine) {
        Driver d = new Driver(engine);
        d.load("u", "wat/unknown_import.wasm");
        d.open("s", "u", 64L << 20);
        JsonNode link = d.start("s", "run", List.of("x"), Map.of());
        assertOutcome(link, "rejected", "stage", "link");
        assertEquals("runtime", link.path("outcome").path("by").asText());
        assertTrue(link.path("outcome").path("message").asText().contains("fd_frobnicate"));

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

    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiler"})
    void malformedModuleIsACompileRefusal(String engine) {
        Driver d = new Driver(engine);
        ObjectNode load = JSON.createObjectNode();
        load.put("op", "load");
        load.put("module", "bad");
        load.put("wasm", Base64.getEncoder().encodeToString(new byte[] {0, 'a', 's', 'm', 2, 0, 0, 0}));
        JsonNode reply = d.request(load);
        assertFalse(reply.path("ok").asBoolean());
        assertTrue(reply.path("compile").asBoolean(), reply.toString());
        assertFalse(reply.path("error").asText().isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiler"})
    void protocolErrorsAnswerOkFalse(String engine) throws IOException {
        Driver d = new Driver(engine);
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
    }
}
