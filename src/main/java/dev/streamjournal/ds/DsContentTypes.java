package dev.streamjournal.ds;

import java.util.Locale;

/** Content types as the protocol compares them: by media type, case-insensitively, parameters aside. */
final class DsContentTypes {

    static final String DEFAULT = "application/octet-stream";
    static final String JSON = "application/json";

    private DsContentTypes() {
    }

    /** The media type alone, lower case ({@code Text/Plain; charset=utf-8} is {@code text/plain}). */
    static String mediaType(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    static boolean same(String a, String b) {
        return mediaType(a).equals(mediaType(b));
    }

    static boolean isJson(String contentType) {
        return "application/json".equals(mediaType(contentType));
    }

    /** Text and JSON travel as text in SSE; every other type as base64. */
    static boolean isText(String contentType) {
        String type = mediaType(contentType);
        return type.startsWith("text/") || type.equals("application/json");
    }

    /** A syntactically valid media type: {@code type/subtype}, tokens on both sides. */
    static boolean valid(String contentType) {
        String type = mediaType(contentType);
        return type != null && type.matches("[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+");
    }
}
