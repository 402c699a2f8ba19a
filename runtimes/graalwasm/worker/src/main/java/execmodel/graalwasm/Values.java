package execmodel.graalwasm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.graalvm.polyglot.Value;

/**
 * Values on the wire are {@code {"type": "i32", "bits": "<unsigned decimal>"}}: the raw bit
 * pattern, so NaN payloads and full i64s survive JSON.
 *
 * <p>GraalWasm's polyglot type mapping (wasm/docs/user/README.md, "Passing Arguments to
 * WebAssembly Functions") wants exactly an {@code int} for i32, a {@code long} for i64, a
 * {@code float} for f32 and a {@code double} for f64, and hands results back as numbers that fit
 * those types. Boxed floats and doubles keep their bits (no arithmetic touches them), so the
 * NaN payloads go through unchanged.
 */
final class Values {
    private Values() {}

    /** The Java argument GraalWasm expects for a wire value of the given wasm type. */
    static Object fromWire(JsonNode value) {
        String type = value.path("type").asText();
        String text = value.path("bits").asText();
        long bits;
        try {
            bits = Long.parseUnsignedLong(text);
        } catch (NumberFormatException e) {
            throw new Worker.ProtocolError(
                    "value bits \"" + text + "\" are not an unsigned 64-bit decimal number");
        }
        switch (type) {
            case "i32":
            case "f32":
                if (Long.compareUnsigned(bits, 0xFFFF_FFFFL) > 0) {
                    throw new Worker.ProtocolError(type + " bits " + text + " do not fit 32 bits");
                }
                return type.equals("i32")
                        ? (Object) Integer.valueOf((int) bits)
                        : (Object) Float.valueOf(Float.intBitsToFloat((int) bits));
            case "i64":
                return Long.valueOf(bits);
            case "f64":
                return Double.valueOf(Double.longBitsToDouble(bits));
            default:
                throw new Worker.ProtocolError("unknown value type \"" + type + "\"");
        }
    }

    /** One result of a call, read as its declared wasm type. */
    static ObjectNode toWire(ObjectMapper json, String type, Value value) {
        ObjectNode wire = json.createObjectNode();
        wire.put("type", type);
        switch (type) {
            case "i32":
                wire.put("bits", Long.toString(value.asInt() & 0xFFFF_FFFFL));
                break;
            case "i64":
                wire.put("bits", Long.toUnsignedString(value.asLong()));
                break;
            case "f32":
                wire.put("bits", Long.toString(Float.floatToRawIntBits(value.asFloat()) & 0xFFFF_FFFFL));
                break;
            case "f64":
                wire.put("bits", Long.toUnsignedString(Double.doubleToRawLongBits(value.asDouble())));
                break;
            default:
                throw new Worker.ProtocolError("cannot put a " + type + " result on the wire");
        }
        return wire;
    }

    static ObjectNode i32(ObjectMapper json, long value) {
        ObjectNode wire = json.createObjectNode();
        wire.put("type", "i32");
        wire.put("bits", Long.toString(value & 0xFFFF_FFFFL));
        return wire;
    }
}
