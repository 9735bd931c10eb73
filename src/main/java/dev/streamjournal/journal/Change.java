package dev.streamjournal.journal;

import java.util.List;

/**
 * A committed change of one stream, as the doorbell announces it: to other replicas ids only, never
 * payloads; to this replica's feeds also the events it appended, as stored, when the writer has them.
 *
 * @param lastSeq the stream's last seq after the change (0 when it has no events)
 * @param settles true when the change can alter a settlement: a terminal or closing event, a created,
 *                superseded, interrupted or pruned stream. Content appends leave it false, so that
 *                parked long-polls and the session's other streams are not woken by every token.
 * @param events  the events of the change in seq order, or null (a feed then reads them)
 */
public record Change(String sessionId, String streamId, int lastSeq, boolean settles, List<JournalEvent> events) {

    public Change(String sessionId, String streamId, int lastSeq, boolean settles) {
        this(sessionId, streamId, lastSeq, settles, null);
    }
}
