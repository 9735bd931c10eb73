package dev.streamjournal.common;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.Map;

/**
 * What PostgreSQL's jsonb cannot hold, found before anything is written: a string or key with
 * U+0000 (jsonb refuses it), a lone UTF-16 surrogate (it has no UTF-8 form, so it could only be stored
 * changed), and a number beyond jsonb's numeric range (131,072 digits before the decimal point, 16,383
 * after). Such input is refused with 400 and the JSON path of the first offending value, rather than
 * stored altered or failed on at commit.
 */
public final class StorableJson {

    static final int MAX_INTEGER_DIGITS = 131_072;
    static final int MAX_FRACTION_DIGITS = 16_383;

    private StorableJson() {
    }

    /** Why the value at {@code path} cannot be stored, e.g. {@code "events[0].data.text contains U+0000"}; null when it can. */
    public static String problem(JsonNode node, String path) {
        if (node == null) {
            return null;
        }
        if (node.isTextual()) {
            return text(node.textValue(), path);
        }
        if (node.isBigDecimal()) {
            return decimal(node.decimalValue(), path);
        }
        if (node.isBigInteger()) {
            return integer(node.bigIntegerValue(), path);
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                String fieldPath = path + "." + field.getKey();
                String key = text(field.getKey(), path + " key '" + printable(field.getKey()) + "'");
                if (key != null) {
                    return key;
                }
                String value = problem(field.getValue(), fieldPath);
                if (value != null) {
                    return value;
                }
            }
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String element = problem(node.get(i), path + "[" + i + "]");
                if (element != null) {
                    return element;
                }
            }
        }
        return null;
    }

    private static String text(String text, String path) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return path + " contains U+0000, which the journal cannot store";
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return path + " contains a lone surrogate (U+" + Integer.toHexString(c).toUpperCase() + "), which is not text";
            }
        }
        return null;
    }

    private static String decimal(BigDecimal value, String path) {
        int integerDigits = value.precision() - value.scale();
        if (integerDigits > MAX_INTEGER_DIGITS || value.scale() > MAX_FRACTION_DIGITS) {
            return path + " is a number beyond the journal's range (" + MAX_INTEGER_DIGITS
                    + " digits before the decimal point, " + MAX_FRACTION_DIGITS + " after)";
        }
        return null;
    }

    private static String integer(BigInteger value, String path) {
        if (value.abs().toString().length() > MAX_INTEGER_DIGITS) {
            return path + " is a number beyond the journal's range (" + MAX_INTEGER_DIGITS + " digits)";
        }
        return null;
    }

    /** A key as it may appear in a message: control characters and surrogates escaped. */
    private static String printable(String key) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < key.length() && out.length() < 64; i++) {
            char c = key.charAt(i);
            if (c < 0x20 || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04X", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
