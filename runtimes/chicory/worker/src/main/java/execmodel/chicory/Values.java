package execmodel.chicory;

import com.dylibso.chicory.wasm.types.ValType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Values on the wire are {@code {"type": "i32", "bits": "<unsigned decimal>"}}: the raw bit
 * pattern, so NaN payloads and full i64s survive JSON. Chicory passes every value as a long:
 * an i32 or the raw bits of an f32 in the low 32 bits (Value.floatToLong sign-extends them), an
 * i64 or the raw bits of an f64 whole.
 */
final class Values {
    private Values() {}

    static String typeName(ValType type) {
        if (type.equals(ValType.I32)) {
            return "i32";
        }
        if (type.equals(ValType.I64)) {
            return "i64";
        }
        if (type.equals(ValType.F32)) {
            return "f32";
        }
        if (type.equals(ValType.F64)) {
            return "f64";
        }
        return type.toString().toLowerCase(java.util.Locale.ROOT);
    }

    static long fromWire(JsonNode value) {
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
                return (int) bits;
            case "i64":
            case "f64":
                return bits;
            default:
                throw new Worker.ProtocolError("unknown value type \"" + type + "\"");
        }
    }

    static ObjectNode toWire(ObjectMapper json, ValType type, long raw) {
        String name = typeName(type);
        ObjectNode value = json.createObjectNode();
        value.put("type", name);
        switch (name) {
            case "i32":
            case "f32":
                value.put("bits", Long.toString(raw & 0xFFFF_FFFFL));
                break;
            default:
                value.put("bits", Long.toUnsignedString(raw));
                break;
        }
        return value;
    }
}
