package dev.streamjournal.live;

import java.util.List;

/**
 * One frame of a live channel, written as an SSE event or as a WebSocket JSON message.
 *
 * @param event   the SSE event name (a journal event type, {@code settlement}, {@code stream_started}), or null
 * @param id      the resume id ({@code <seq>} on a stream channel, {@code <streamId>:<seq>} on a session channel), or null
 * @param data    JSON text, or null
 * @param comment an SSE comment (keep-alive), or null
 * @param retry   the SSE {@code retry:} in milliseconds, or null
 */
public record Frame(String event, String id, String data, String comment, Integer retry) {

    public static Frame event(String event, String id, String data) {
        return new Frame(event, id, data, null, null);
    }

    public static Frame comment(String comment) {
        return new Frame(null, null, null, comment, null);
    }

    public static Frame retry(int millis, String comment) {
        return new Frame(null, null, null, comment, millis);
    }

    /** The last frame of a channel this replica gives up while shutting down: reconnect (elsewhere) after {@code millis}. */
    public static Frame reconnect(int millis) {
        return retry(millis, "draining: reconnect");
    }

    static final String TOKEN_EXPIRED = "token expired: reconnect with a fresh token";

    /** The last frame of a channel whose token expired: reconnect with a fresh token after {@code millis}. */
    public static Frame tokenExpired(int millis) {
        return retry(millis, TOKEN_EXPIRED);
    }

    /** True for the last frame of a channel whose token expired. */
    public boolean endsAnExpiredToken() {
        return TOKEN_EXPIRED.equals(comment);
    }

    public boolean isComment() {
        return event == null;
    }

    /** The frames as the text of an SSE response, ready to be written in one piece. */
    public static String sse(List<Frame> frames) {
        StringBuilder text = new StringBuilder(frames.size() * 160);
        for (Frame frame : frames) {
            frame.appendSse(text);
        }
        return text.toString();
    }

    private void appendSse(StringBuilder text) {
        if (retry != null) {
            text.append("retry: ").append(retry).append('\n');
        }
        if (comment != null) {
            text.append(": ").append(comment).append('\n');
        }
        if (id != null) {
            text.append("id: ").append(id).append('\n');
        }
        if (event != null) {
            text.append("event: ").append(event).append('\n');
        }
        if (data != null) {
            // JSON text written by this service holds no raw line breaks; split any anyway, as SSE requires
            int start = 0;
            int end;
            while ((end = data.indexOf('\n', start)) >= 0) {
                text.append("data: ").append(data, start, end).append('\n');
                start = end + 1;
            }
            text.append("data: ").append(data, start, data.length()).append('\n');
        }
        text.append('\n');
    }
}
