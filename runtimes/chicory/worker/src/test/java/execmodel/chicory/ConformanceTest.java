package execmodel.chicory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same checks as the Rust conformance script (runtimes/worker/src/conformance.rs), run here
 * over real pipes so the worker can be checked without the Rust side.
 */
class ConformanceTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The script's module (a reactor: leave, add64, same, boom, flood; 17 pages), assembled from
     * the WAT in conformance.rs with wat2wasm.
     */
    static final byte[] MODULE =
            HexFormat.of()
                    .parseHex(
                            "0061736d0100000001220660047f7f7f7f017f60017f0060027f7f0060000060027e7e017e60027c7d027c7d0246"
                                    + "0216776173695f736e617073686f745f70726576696577310866645f7772697465000016776173695f736e61"
                                    + "7073686f745f70726576696577310970726f635f6578697400010307060203040503030503010011073006066d"
                                    + "656d6f72790200056c65617665000305616464363400040473616d65000504626f6f6d000605666c6f6f6400"
                                    + "070a4b061b004100200036020041042001360200410141004101410810001a0b0d0041c00041031002410310"
                                    + "010b0700200020017c0b0600200020010b0300000b0c00418080044180801010020b0b0a010041c0000b0368"
                                    + "690a0033046e616d65011d03000866645f7772697465010970726f635f6578697402057772697465020d0102"
                                    + "02000370747201036c656e");

    static ObjectNode value(String type, long bits) {
        return JSON.createObjectNode().put("type", type).put("bits", Long.toUnsignedString(bits));
    }

    static ObjectNode call(String export, ObjectNode[] args, String... results) {
        ObjectNode step = JSON.createObjectNode();
        step.put("do", "call");
        step.put("export", export);
        ArrayNode list = step.putArray("args");
        Arrays.stream(args).forEach(list::add);
        ArrayNode types = step.putArray("results");
        Arrays.stream(results).forEach(types::add);
        return step;
    }

    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiler"})
    void script(String engine) throws Exception {
        try (ProcessTest.Child child = new ProcessTest.Child(engine)) {
            JsonNode hello = child.request(JSON.createObjectNode().put("op", "hello"));
            assertEquals(2, hello.path("protocol").asInt());
            assertFalse(child.request(JSON.createObjectNode().put("op", "no-such-op")).path("ok").asBoolean());
            ObjectNode garbage = JSON.createObjectNode().put("op", "load").put("module", "garbage");
            garbage.put("wasm", Base64.getEncoder().encodeToString("not wasm".getBytes(StandardCharsets.UTF_8)));
            assertFalse(child.request(garbage).path("ok").asBoolean());
            child.load("m", MODULE);
            ObjectNode open = JSON.createObjectNode().put("op", "open").put("session", "s").put("module", "m");
            open.put("outputBytes", 1 << 20).put("memoryBytes", 64L << 20);
            assertTrue(child.request(open).path("ok").asBoolean());

            ObjectNode run = child.instantiate();
            run.put("do", "run");
            JsonNode ran = child.step("s", run);
            assertEquals("returned", ran.path("outcome").path("kind").asText());
            assertTrue(ran.path("hasInstance").asBoolean());
            assertEquals(0, ran.path("implicitCalls").size());

            JsonNode added = child.step("s", call("add64", new ObjectNode[] {value("i64", -1), value("i64", 2)}, "i64"));
            assertEquals("[{\"type\":\"i64\",\"bits\":\"1\"}]", added.path("outcome").path("values").toString());
            long nan = 0x7ff8_0000_0000_0001L;
            long f32 = Float.floatToRawIntBits(-1.5f) & 0xFFFF_FFFFL;
            JsonNode same = child.step("s", call("same", new ObjectNode[] {value("f64", nan), value("f32", f32)}, "f64", "f32"));
            assertEquals(Long.toUnsignedString(nan), same.path("outcome").path("values").get(0).path("bits").asText());
            assertEquals(Long.toString(f32), same.path("outcome").path("values").get(1).path("bits").asText());

            assertEquals("unreachable", child.step("s", call("boom", new ObjectNode[0])).path("outcome").path("trap").asText());
            assertEquals("call", child.step("s", call("nope", new ObjectNode[0])).path("outcome").path("stage").asText());

            ObjectNode write = JSON.createObjectNode().put("do", "write").put("offset", 100_000);
            write.put("bytes", Base64.getEncoder().encodeToString("conformance".getBytes(StandardCharsets.UTF_8)));
            assertEquals("returned", child.step("s", write).path("outcome").path("kind").asText());
            int size = 17 * 65536;
            JsonNode read = child.step("s", JSON.createObjectNode().put("do", "read").put("offset", 0).put("length", size));
            byte[] bytes = Base64.getDecoder().decode(read.path("outcome").path("bytes").asText());
            assertEquals(size, bytes.length);
            assertEquals("conformance", new String(bytes, 100_000, 11, StandardCharsets.UTF_8));
            JsonNode outside = child.step("s", JSON.createObjectNode().put("do", "read").put("offset", size - 1).put("length", 2));
            assertEquals(
                    "memory access of 2 bytes at " + (size - 1) + " is outside the memory (" + size + " bytes)",
                    outside.path("outcome").path("message").asText());

            JsonNode flood = child.step("s", call("flood", new ObjectNode[0]));
            assertEquals(262_144, Base64.getDecoder().decode(flood.path("stdout").asText()).length);

            JsonNode left = child.step("s", call("leave", new ObjectNode[0]));
            assertEquals("exited", left.path("outcome").path("kind").asText());
            assertEquals(3, left.path("outcome").path("code").asInt());
            assertEquals("hi\n", new String(Base64.getDecoder().decode(left.path("stdout").asText()), StandardCharsets.UTF_8));

            assertTrue(child.request(JSON.createObjectNode().put("op", "close").put("session", "s")).path("ok").asBoolean());
            assertTrue(child.request(JSON.createObjectNode().put("op", "close").put("session", "never-opened")).path("ok").asBoolean());
            ObjectNode late = JSON.createObjectNode().put("op", "step").put("session", "s");
            late.set("step", call("leave", new ObjectNode[0]));
            assertFalse(child.request(late).path("ok").asBoolean());
            assertEquals(0, child.finish());
        }
    }
}
