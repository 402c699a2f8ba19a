package execmodel.chicory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the worker as its own process (java -cp the test classpath execmodel.chicory.Main) and
 * talks to it over real pipes, as the Rust adapter does.
 */
class ProcessTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path CORPUS = WorkerTest.CORPUS;

    static final class Child implements AutoCloseable {
        final Process process;
        final OutputStream in;
        final BufferedReader out;
        int id;

        Child(String engine) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process =
                    new ProcessBuilder(
                                    java,
                                    "-cp",
                                    System.getProperty("java.class.path"),
                                    "execmodel.chicory.Main",
                                    "--engine=" + engine)
                            .redirectError(ProcessBuilder.Redirect.INHERIT)
                            .start();
            in = process.getOutputStream();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        JsonNode request(ObjectNode request) throws IOException {
            request.put("id", ++id);
            in.write((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            String line = out.readLine();
            assertTrue(line != null, "the worker closed its stdout");
            JsonNode reply = JSON.readTree(line);
            assertEquals(id, reply.path("id").asInt());
            return reply;
        }

        JsonNode step(String session, ObjectNode step) throws IOException {
            ObjectNode request = JSON.createObjectNode();
            request.put("op", "step");
            request.put("session", session);
            request.set("step", step);
            JsonNode reply = request(request);
            assertTrue(reply.path("ok").asBoolean(), reply.toString());
            return reply;
        }

        void load(String module, byte[] wasm) throws IOException {
            ObjectNode load = JSON.createObjectNode();
            load.put("op", "load");
            load.put("module", module);
            load.put("wasm", Base64.getEncoder().encodeToString(wasm));
            assertTrue(request(load).path("ok").asBoolean());
        }

        void open(String session, String module, long memoryBytes) throws IOException {
            ObjectNode open = JSON.createObjectNode();
            open.put("op", "open");
            open.put("session", session);
            open.put("module", module);
            open.put("outputBytes", 1 << 16);
            open.put("memoryBytes", memoryBytes);
            assertTrue(request(open).path("ok").asBoolean());
        }

        ObjectNode instantiate() {
            ObjectNode step = JSON.createObjectNode();
            step.put("do", "instantiate");
            ObjectNode wasi = step.putObject("wasi");
            wasi.putArray("args").add("x");
            wasi.putArray("env");
            wasi.put("stdin", "");
            wasi.putNull("preopen");
            return step;
        }

        ObjectNode call(String export) {
            ObjectNode step = JSON.createObjectNode();
            step.put("do", "call");
            step.put("export", export);
            step.putArray("args");
            step.putArray("results");
            return step;
        }

        /** Closes stdin and returns the exit status. */
        int finish() throws Exception {
            in.close();
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), "the worker did not exit when stdin closed");
            return process.exitValue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiler"})
    void twoMebibyteReadArrivesWhole(String engine) throws Exception {
        try (Child child = new Child(engine)) {
            child.load("m", Files.readAllBytes(CORPUS.resolve("wat/memory_bomb.wasm")));
            child.open("s", "m", 64L << 20);
            child.step("s", child.instantiate());
            // Grows the memory to the 64 MiB cap, then traps.
            assertEquals("unreachable", child.step("s", child.call("_start")).path("outcome").path("trap").asText());

            byte[] pattern = new byte[2 << 20];
            for (int i = 0; i < pattern.length; i++) {
                pattern[i] = (byte) (i * 31 + (i >>> 11));
            }
            ObjectNode write = JSON.createObjectNode();
            write.put("do", "write");
            write.put("offset", 1000);
            write.put("bytes", Base64.getEncoder().encodeToString(pattern));
            assertEquals("returned", child.step("s", write).path("outcome").path("kind").asText());

            ObjectNode read = JSON.createObjectNode();
            read.put("do", "read");
            read.put("offset", 1000);
            read.put("length", pattern.length);
            JsonNode bytes = child.step("s", read);
            assertEquals("bytes", bytes.path("outcome").path("kind").asText());
            assertArrayEquals(pattern, Base64.getDecoder().decode(bytes.path("outcome").path("bytes").asText()));

            read.put("offset", (64L << 20) - 1);
            read.put("length", 2);
            assertEquals(
                    "memory access of 2 bytes at 67108863 is outside the memory (67108864 bytes)",
                    child.step("s", read).path("outcome").path("message").asText());
            assertEquals(0, child.finish());
        }
    }
}
