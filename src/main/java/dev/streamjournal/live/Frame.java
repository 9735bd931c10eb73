package dev.streamjournal.live;

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

    public boolean isComment() {
        return event == null;
    }
}
