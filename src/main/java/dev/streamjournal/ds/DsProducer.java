package dev.streamjournal.ds;

/** The idempotent-producer headers of an append: {@code Producer-Id}, {@code Producer-Epoch}, {@code Producer-Seq}. */
record DsProducer(String id, long epoch, long seq) {
}
