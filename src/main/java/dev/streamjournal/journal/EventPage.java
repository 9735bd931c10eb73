package dev.streamjournal.journal;

import java.util.List;

/** A page of a stream's journal; {@code next} is the {@code after} of the following page, null at the end. */
public record EventPage(List<JournalEvent> events, Integer next) {
}
