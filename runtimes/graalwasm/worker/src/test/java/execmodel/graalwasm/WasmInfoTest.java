package execmodel.graalwasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The worker's own reading of module binaries, and its memory-cap rewrite. */
class WasmInfoTest {
    static final String HEADER = "0061736d01000000";

    @Test
    void readsResultTypesThroughImports() {
        WasmInfo info = WasmInfo.parse(ConformanceTest.MODULE);
        assertEquals(2, info.importedFunctions);
        assertEquals(List.of("memory", "leave", "add64", "same", "boom", "flood"), info.exportNames());
        assertEquals(List.of("f64", "f32"), info.exportedFunction("same").results);
        assertEquals(List.of("i64"), info.exportedFunction("add64").results);
        assertEquals(List.of(), info.exportedFunction("leave").results);
        assertTrue(info.exportsMemory("memory"));
        assertEquals(null, info.exportedFunction("memory"));
        assertEquals(List.of(17L), info.memoryMinimums);
    }

    @Test
    void capAddsOrClampsTheMaximum() {
        // (memory 1) and (memory 2 70000) in two modules.
        byte[] noMax = HexFormat.of().parseHex(HEADER + "0503010001");
        byte[] bigMax = HexFormat.of().parseHex(HEADER + "0506010102f0a204");
        assertArrayEquals(HexFormat.of().parseHex(HEADER + "050501010180 08".replace(" ", "")), WasmInfo.capMemories(noMax, 1024));
        assertArrayEquals(HexFormat.of().parseHex(HEADER + "05050101028008"), WasmInfo.capMemories(bigMax, 1024));
        // A maximum under the cap stays.
        byte[] smallMax = HexFormat.of().parseHex(HEADER + "050401010203");
        assertArrayEquals(smallMax, WasmInfo.capMemories(smallMax, 1024));
        WasmInfo.OverCapException over = assertThrows(WasmInfo.OverCapException.class, () -> WasmInfo.capMemories(bigMax, 1));
        assertEquals("memory 0 of the module starts at 2 pages, more than the cap of 1 pages", over.getMessage());
    }

    @Test
    void capKeepsEveryOtherSection() {
        byte[] capped = WasmInfo.capMemories(ConformanceTest.MODULE, 1024);
        WasmInfo before = WasmInfo.parse(ConformanceTest.MODULE);
        WasmInfo after = WasmInfo.parse(capped);
        assertEquals(before.exportNames(), after.exportNames());
        assertEquals(before.memoryMinimums, after.memoryMinimums);
        // (memory 17) became (memory 17 1024): two bytes of maximum and the flag.
        assertEquals(ConformanceTest.MODULE.length + 2, capped.length);
    }
}
