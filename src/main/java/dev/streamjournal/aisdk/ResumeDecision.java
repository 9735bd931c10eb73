package dev.streamjournal.aisdk;

import dev.streamjournal.session.SessionView;

/**
 * What the AI SDK's resume request ({@code GET /v1/sessions/{id}/ui-stream?revision=N}) gets, without I/O:
 * the session's live stream when it has one; else, when the session changed after revision {@code N} (the
 * page loaded the transcript at {@code N}, and its last stream ended since), that last stream, whose
 * replay then brings the final message; else nothing (204). Without a revision the page is taken to know
 * the session as it is, so only a live stream is resumed: the AI SDK's own semantics.
 */
final class ResumeDecision {

    private ResumeDecision() {
    }

    /** The stream to replay, or null for nothing to resume. */
    static String streamToResume(SessionView session, Long pageRevision) {
        if (session.activeStreamId() != null) {
            return session.activeStreamId();
        }
        if (pageRevision != null && session.revision() > pageRevision) {
            return session.currentStreamId();
        }
        return null;
    }
}
