package dev.streamjournal.live;

/**
 * A committed change of one stream, as the doorbell announces it: ids only, never payloads.
 *
 * @param lastSeq the stream's last seq after the change (0 when it has no events)
 * @param settles true when the change can alter a settlement: a terminal or closing event, a created,
 *                superseded, interrupted or pruned stream. Content appends leave it false, so that
 *                parked long-polls and the session's other streams are not woken by every token.
 */
public record Change(String sessionId, String streamId, int lastSeq, boolean settles) {
}
