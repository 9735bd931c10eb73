package dev.streamjournal.live;

/** A committed change announced by NOTIFY: ids only, never payloads. */
public record JournalNotice(String sessionId, String streamId, int firstSeq, int lastSeq) {
}
