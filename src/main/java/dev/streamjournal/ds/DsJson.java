package dev.streamjournal.ds;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * JSON mode: an append's body is split into messages (a top-level array is flattened one level), each
 * kept as the exact bytes the client sent, so that numbers and strings come back as written; reads join
 * messages into one array.
 */
final class DsJson {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(1000).build())
            .build();

    /** A body that is not one well-formed JSON value. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    private DsJson() {
    }

    /** The messages of a body: the elements of a top-level array, or the body's one value. */
    static List<byte[]> split(byte[] body) throws Invalid {
        try (JsonParser parser = FACTORY.createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new Invalid("the body holds no JSON value");
            }
            List<byte[]> messages = new ArrayList<>();
            if (first == JsonToken.START_ARRAY) {
                JsonToken token;
                while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
                    if (token == null) {
                        throw new Invalid("the array is not closed");
                    }
                    int start = (int) parser.currentTokenLocation().getByteOffset();
                    parser.skipChildren();
                    parser.finishToken();
                    int end = (int) parser.currentLocation().getByteOffset();
                    messages.add(Arrays.copyOfRange(body, start, end));
                }
            } else {
                parser.skipChildren();
                parser.finishToken();
                messages.add(trim(body));
            }
            if (parser.nextToken() != null) {
                throw new Invalid("the body holds more than one JSON value");
            }
            return messages;
        } catch (IOException e) {
            throw new Invalid("the body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** Values joined by commas, as a JSON message is stored. */
    static byte[] join(List<byte[]> values) {
        byte[] array = array(values);
        return Arrays.copyOfRange(array, 1, array.length - 1);
    }

    /** Messages joined into one JSON array. */
    static byte[] array(List<byte[]> messages) {
        int size = 2 + Math.max(0, messages.size() - 1);
        for (byte[] message : messages) {
            size += message.length;
        }
        byte[] out = new byte[size];
        int at = 0;
        out[at++] = '[';
        for (int i = 0; i < messages.size(); i++) {
            if (i > 0) {
                out[at++] = ',';
            }
            byte[] message = messages.get(i);
            System.arraycopy(message, 0, out, at, message.length);
            at += message.length;
        }
        out[at] = ']';
        return out;
    }

    private static byte[] trim(byte[] body) {
        int start = 0;
        int end = body.length;
        while (start < end && isSpace(body[start])) {
            start++;
        }
        while (end > start && isSpace(body[end - 1])) {
            end--;
        }
        return start == 0 && end == body.length ? body : Arrays.copyOfRange(body, start, end);
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }
}
