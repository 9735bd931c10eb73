package dev.streamjournal.ds;

/**
 * The idempotent-producer rule of an append: given the producer's stored state (null: never seen on this
 * stream) and the request's epoch and seq, whether to write, to answer a duplicate, or to refuse.
 */
public final class ProducerDecision {

    /** What to do with the request. */
    public enum Verdict {
        /** Write it; the producer's state becomes (epoch, seq). */
        ACCEPT,
        /** Seq already accepted in this epoch: 204, nothing written. */
        DUPLICATE,
        /** Epoch older than the stored one: 403 with the current epoch. */
        STALE_EPOCH,
        /** A new epoch must start at seq 0: 400. */
        NEW_EPOCH_NOT_AT_ZERO,
        /** Seq skips ahead: 409 with the expected seq. */
        GAP
    }

    /** A decision; {@code expectedSeq} is meaningful for a gap. */
    public record Decision(Verdict verdict, long expectedSeq) {
    }

    /** A producer's state on a stream. */
    public record State(long epoch, long lastSeq) {
    }

    private ProducerDecision() {
    }

    public static Decision decide(State state, long epoch, long seq) {
        if (state == null) {
            return seq == 0 ? accept() : new Decision(Verdict.GAP, 0);
        }
        if (epoch < state.epoch()) {
            return new Decision(Verdict.STALE_EPOCH, 0);
        }
        if (epoch > state.epoch()) {
            return seq == 0 ? accept() : new Decision(Verdict.NEW_EPOCH_NOT_AT_ZERO, 0);
        }
        if (seq <= state.lastSeq()) {
            return new Decision(Verdict.DUPLICATE, 0);
        }
        if (seq == state.lastSeq() + 1) {
            return accept();
        }
        return new Decision(Verdict.GAP, state.lastSeq() + 1);
    }

    private static Decision accept() {
        return new Decision(Verdict.ACCEPT, 0);
    }
}
