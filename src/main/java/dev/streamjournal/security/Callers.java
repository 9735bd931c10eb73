package dev.streamjournal.security;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Resolves the caller of the current request. Authentication is not enabled in this version, so every
 * request acts as {@link Caller#ANONYMOUS} in the default tenant.
 */
@ApplicationScoped
public class Callers {

    public Caller current() {
        return Caller.ANONYMOUS;
    }
}
