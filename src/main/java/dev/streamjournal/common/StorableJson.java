package dev.streamjournal.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.Map;

/**
 * What PostgreSQL's jsonb cannot hold, found before anything is written: a string or key with
 * U+0000 (jsonb refuses it), a lone UTF-16 surrogate (it has no UTF-8 form, so it could only be stored
 * changed), and a number of more than {@value #MAX_STORED_DIGITS} digits as jsonb stores it. jsonb
 * writes numbers out in full ({@code 1e-500} is stored as {@code 0.000...1}, 501 digits), and a stored
 * number longer than the JSON reader's bound (the same {@value #MAX_STORED_DIGITS} digits) could not be
 * read back: the transcript assembled from such an event at the terminal event would fail. Such input is
 * refused with 400 and the JSON path of the first offending value, rather than stored altered or failed
 * on later.
 */
public final class StorableJson {

    /** Jackson's default {@code StreamReadConstraints.maxNumberLength}, which the service reads JSON with. */
    static final int MAX_STORED_DIGITS = 1000;

    /** The longest number jsonb can write out: 131,072 digits before the point, 16,383 after, a sign and the point. */
    static final int LONGEST_STORED_NUMBER = 131_072 + 16_383 + 2;

    /**
     * A reader of what the journal stored, from the service's mapper: input is refused past 1,000 digits a
     * number, the reader's usual bound, but rows stored before that rule may hold numbers jsonb wrote out in
     * full, far longer; they are read with a bound that fits any number jsonb holds.
     */
    public static ObjectMapper storedReader(ObjectMapper json) {
        ObjectMapper reader = json.copy();
        reader.getFactory().setStreamReadConstraints(json.getFactory().streamReadConstraints().rebuild()
                .maxNumberLength(LONGEST_STORED_NUMBER).build());
        return reader;
    }

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
        // the digits of the plain form jsonb stores: 1E3 is 1000 (4), 1.50 stays 1.50 (3), 1e-3 is 0.001 (4),
        // and zero keeps only its fraction digits: 0e1000 is 0 (1), 0.00 stays 0.00 (3)
        long integerDigits = value.signum() == 0 ? 1 : Math.max(1, (long) value.precision() - value.scale());
        return digits(integerDigits + Math.max(0, value.scale()), path);
    }

    private static String integer(BigInteger value, String path) {
        return digits(value.abs().toString().length(), path);
    }

    private static String digits(long digits, String path) {
        if (digits > MAX_STORED_DIGITS) {
            return path + " is a number of " + digits + " digits as the journal stores it (at most "
                    + MAX_STORED_DIGITS + ")";
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
