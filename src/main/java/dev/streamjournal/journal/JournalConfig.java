package dev.streamjournal.journal;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Limits, leases and appends of the journal ({@code journal.*}). */
@ConfigMapping(prefix = "journal")
public interface JournalConfig {

    Limits limits();

    Lease lease();

    Append append();

    DirectoryCache streamDirectory();

    /**
     * A stream terminal for this long without {@code stream_end} (its producer died after the terminal
     * event, or the lease reaper interrupted it) is closed by the reaper: its tails end and retention can
     * prune it.
     */
    @WithDefault("5m")
    Duration closeAfter();

    /**
     * After a reader asks a live stream's producer to stop, the producer has this long to end it (with
     * {@code cancel}); then the reaper ends it {@code cancelled} itself, transcript included.
     */
    @WithDefault("10s")
    Duration stopGrace();

    interface Limits {
        /** Largest {@code data} of one event (and of a user message), in bytes of JSON. */
        @WithDefault("262144")
        int eventDataBytes();

        /** Most events in one append batch. */
        @WithDefault("1000")
        int batchEvents();

        /** Largest append request body, in bytes. */
        @WithDefault("4194304")
        int batchBytes();
    }

    interface Lease {
        /** Lease of a stream created without {@code leaseSeconds}. */
        @WithDefault("60")
        int defaultSeconds();

        /** Largest {@code leaseSeconds} a producer may ask for. */
        @WithDefault("3600")
        int maxSeconds();

        /** How often each replica's reaper looks for expired leases. */
        @WithDefault("5s")
        Duration reaperInterval();

        /** Most streams one reaper pass interrupts. */
        @WithDefault("100")
        int reaperBatch();
    }

    interface Append {
        /**
         * Most combined append statements ({@link AppendCombiner}) one replica runs at once; batches that
         * arrive while they run wait and leave together in the next.
         */
        @WithDefault("2")
        int statementsInFlight();

        /**
         * A statement starts while another runs only when the waiting batches hold at least this many
         * events; below, they wait for the running one and leave together (more batches per commit).
         */
        @WithDefault("100")
        int parallelEvents();

        /** Most append batches one combined statement carries. */
        @WithDefault("64")
        int batchesPerStatement();
    }

    interface DirectoryCache {
        /**
         * How many stream-to-session mappings each replica keeps ({@link dev.streamjournal.journal.StreamDirectory}):
         * a path that names only a stream and misses here costs one lookup by primary key.
         */
        @WithDefault("100000")
        int cacheSize();
    }
}
