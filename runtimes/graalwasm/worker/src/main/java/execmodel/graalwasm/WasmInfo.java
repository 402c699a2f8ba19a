package execmodel.graalwasm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the worker needs to know of a module's binary, read by the worker itself: the polyglot
 * API gives exported functions as bare executables, without their wasm types, so the result
 * types (to read what a call returns) come from the module's own type, import, function and
 * export sections. Only modules GraalWasm has already validated at load are read here.
 *
 * <p>It also rewrites the memory section for the session's memory cap ({@link #capMemories}):
 * GraalWasm 25.0.2 has no option that limits a memory (wasm/docs/user/README.md, "Options"; the
 * ModuleLimits it checks are fixed, or the JS API's), so the worker clamps each defined memory's
 * declared maximum to the cap before GraalWasm sees the module. memory.grow past it then returns
 * -1, as it does past any declared maximum.
 */
final class WasmInfo {
    static final long PAGE_BYTES = 65536;

    /** A function type's results: wasm value type names. */
    static final class FuncType {
        final List<String> results;

        FuncType(List<String> results) {
            this.results = results;
        }
    }

    /** An export: kind 0 function, 1 table, 2 memory, 3 global, 4 tag; its index in that space. */
    static final class Export {
        final String name;
        final int kind;
        final int index;

        Export(String name, int kind, int index) {
            this.name = name;
            this.kind = kind;
            this.index = index;
        }
    }

    final List<FuncType> types = new ArrayList<>();
    /** The type index of every function, imported ones first (the function index space). */
    final List<Integer> functionTypes = new ArrayList<>();
    int importedFunctions;
    int importedMemories;
    /** Defined memories' initial sizes in pages. */
    final List<Long> memoryMinimums = new ArrayList<>();
    final Map<String, Export> exports = new LinkedHashMap<>();
    /** The start section's function, or -1. */
    int start = -1;

    private WasmInfo() {}

    static WasmInfo parse(byte[] wasm) {
        WasmInfo info = new WasmInfo();
        Reader in = new Reader(wasm);
        in.header();
        while (!in.atEnd()) {
            int id = in.u8();
            int size = (int) in.u32();
            int end = in.pos + size;
            if (end > wasm.length || size < 0) {
                throw new IllegalArgumentException("section " + id + " runs past the end of the module");
            }
            Reader s = new Reader(wasm, in.pos, end);
            switch (id) {
                case 1:
                    info.readTypes(s);
                    break;
                case 2:
                    info.readImports(s);
                    break;
                case 3:
                    for (long n = s.u32(); n > 0; n--) {
                        info.functionTypes.add((int) s.u32());
                    }
                    break;
                case 5:
                    for (long n = s.u32(); n > 0; n--) {
                        long[] limits = s.limits();
                        info.memoryMinimums.add(limits[1]);
                    }
                    break;
                case 7:
                    for (long n = s.u32(); n > 0; n--) {
                        String name = s.name();
                        int kind = s.u8();
                        int index = (int) s.u32();
                        info.exports.putIfAbsent(name, new Export(name, kind, index));
                    }
                    break;
                case 8:
                    info.start = (int) s.u32();
                    break;
                default:
                    break;
            }
            in.pos = end;
        }
        return info;
    }

    private void readTypes(Reader s) {
        for (long n = s.u32(); n > 0; n--) {
            int form = s.u8();
            if (form != 0x60) {
                // Recursive and sub types (the GC proposal): not needed by the corpus. Stop
                // here; the functions of such a module cannot be typed by this reader.
                throw new IllegalArgumentException(
                        String.format("type form 0x%02x is not read by the worker", form));
            }
            for (long p = s.u32(); p > 0; p--) {
                s.valType();
            }
            List<String> results = new ArrayList<>();
            for (long r = s.u32(); r > 0; r--) {
                results.add(s.valType());
            }
            types.add(new FuncType(results));
        }
    }

    private void readImports(Reader s) {
        for (long n = s.u32(); n > 0; n--) {
            s.name();
            s.name();
            int kind = s.u8();
            switch (kind) {
                case 0:
                    functionTypes.add((int) s.u32());
                    importedFunctions++;
                    break;
                case 1:
                    s.valType();
                    s.limits();
                    break;
                case 2:
                    s.limits();
                    importedMemories++;
                    break;
                case 3:
                    s.valType();
                    s.u8();
                    break;
                case 4:
                    s.u8();
                    s.u32();
                    break;
                default:
                    throw new IllegalArgumentException("unknown import kind " + kind);
            }
        }
    }

    /** The type of an exported function, or null when there is no function export of that name. */
    FuncType exportedFunction(String name) {
        Export export = exports.get(name);
        if (export == null || export.kind != 0) {
            return null;
        }
        if (export.index < 0 || export.index >= functionTypes.size()) {
            return null;
        }
        int type = functionTypes.get(export.index);
        return type >= 0 && type < types.size() ? types.get(type) : null;
    }

    boolean exportsFunction(String name) {
        Export export = exports.get(name);
        return export != null && export.kind == 0;
    }

    boolean exportsMemory(String name) {
        Export export = exports.get(name);
        return export != null && export.kind == 2;
    }

    List<String> exportNames() {
        return new ArrayList<>(exports.keySet());
    }

    /** A defined memory starts above the cap: the harness refuses the instance. */
    static final class OverCapException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OverCapException(String message) {
            super(message);
        }
    }

    /**
     * The module with every defined memory's maximum set to at most {@code capPages} (added when
     * the module declares none). Every other byte is kept; only the memory section is re-encoded.
     * A memory whose minimum is already over the cap cannot be instantiated under it.
     */
    static byte[] capMemories(byte[] wasm, long capPages) {
        Reader in = new Reader(wasm);
        in.header();
        ByteArrayOutputStream out = new ByteArrayOutputStream(wasm.length + 16);
        out.write(wasm, 0, 8);
        while (!in.atEnd()) {
            int sectionStart = in.pos;
            int id = in.u8();
            int size = (int) in.u32();
            int end = in.pos + size;
            if (id != 5) {
                out.write(wasm, sectionStart, end - sectionStart);
                in.pos = end;
                continue;
            }
            Reader s = new Reader(wasm, in.pos, end);
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            long count = s.u32();
            writeU64(payload, count);
            for (long i = 0; i < count; i++) {
                int flags = s.u8();
                long[] limits = s.limitsAfterFlags(flags);
                long min = limits[1];
                boolean hasMax = (flags & 1) != 0;
                long max = hasMax ? limits[2] : -1;
                if (Long.compareUnsigned(min, capPages) > 0) {
                    throw new OverCapException(
                            "memory " + i + " of the module starts at " + Long.toUnsignedString(min)
                                    + " pages, more than the cap of " + capPages + " pages");
                }
                if (!hasMax || Long.compareUnsigned(max, capPages) > 0) {
                    max = capPages;
                }
                payload.write(flags | 1);
                writeU64(payload, min);
                writeU64(payload, max);
            }
            // Anything after the entries (there should be nothing) is kept as it was.
            payload.write(wasm, s.pos, end - s.pos);
            out.write(5);
            writeU64(out, payload.size());
            byte[] encoded = payload.toByteArray();
            out.write(encoded, 0, encoded.length);
            in.pos = end;
        }
        return out.toByteArray();
    }

    private static void writeU64(ByteArrayOutputStream out, long value) {
        long v = value;
        do {
            int b = (int) (v & 0x7f);
            v >>>= 7;
            out.write(v != 0 ? b | 0x80 : b);
        } while (v != 0);
    }

    /** A cursor over part of the binary. */
    private static final class Reader {
        final byte[] bytes;
        int pos;
        final int end;

        Reader(byte[] bytes) {
            this(bytes, 0, bytes.length);
        }

        Reader(byte[] bytes, int pos, int end) {
            this.bytes = bytes;
            this.pos = pos;
            this.end = end;
        }

        void header() {
            if (end < 8
                    || bytes[0] != 0
                    || bytes[1] != 'a'
                    || bytes[2] != 's'
                    || bytes[3] != 'm') {
                throw new IllegalArgumentException("not a wasm binary");
            }
            pos = 8;
        }

        boolean atEnd() {
            return pos >= end;
        }

        int u8() {
            if (pos >= end) {
                throw new IllegalArgumentException("unexpected end of the module at byte " + pos);
            }
            return bytes[pos++] & 0xff;
        }

        long u64() {
            long result = 0;
            int shift = 0;
            while (true) {
                int b = u8();
                if (shift < 64) {
                    result |= (long) (b & 0x7f) << shift;
                }
                shift += 7;
                if ((b & 0x80) == 0) {
                    return result;
                }
                if (shift > 70) {
                    throw new IllegalArgumentException("LEB128 too long at byte " + pos);
                }
            }
        }

        long u32() {
            return u64();
        }

        long s33() {
            long result = 0;
            int shift = 0;
            int b;
            do {
                b = u8();
                result |= (long) (b & 0x7f) << shift;
                shift += 7;
            } while ((b & 0x80) != 0 && shift < 64);
            if (shift < 64 && (b & 0x40) != 0) {
                result |= -1L << shift;
            }
            return result;
        }

        String name() {
            int length = (int) u32();
            if (length < 0 || pos + length > end) {
                throw new IllegalArgumentException("a name runs past its section at byte " + pos);
            }
            String name = new String(bytes, pos, length, StandardCharsets.UTF_8);
            pos += length;
            return name;
        }

        String valType() {
            int code = u8();
            switch (code) {
                case 0x7f:
                    return "i32";
                case 0x7e:
                    return "i64";
                case 0x7d:
                    return "f32";
                case 0x7c:
                    return "f64";
                case 0x7b:
                    return "v128";
                case 0x70:
                    return "funcref";
                case 0x6f:
                    return "externref";
                case 0x63:
                case 0x64:
                    s33();
                    return "ref";
                default:
                    return String.format("type 0x%02x", code);
            }
        }

        /** {flags, min, max (or -1)}. */
        long[] limits() {
            int flags = u8();
            return limitsAfterFlags(flags);
        }

        long[] limitsAfterFlags(int flags) {
            long min = u64();
            long max = (flags & 1) != 0 ? u64() : -1;
            return new long[] {flags, min, max};
        }
    }
}
