package dev.streamjournal.journal;

/**
 * Where the journal announces a committed change: after its commit, never inside the writing
 * transaction. The live package implements it ({@code live.NotifyDoorbell}); the journal knows only
 * that changes are announced.
 */
public interface Doorbell {

    /** Call after the commit of a change; never throws (the commit stands whatever happens here). */
    void ring(Change change);
}
