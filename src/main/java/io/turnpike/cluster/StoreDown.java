package io.turnpike.cluster;

/** The store could not be reached (or answered an error) in time; nothing was written. */
public final class StoreDown extends Exception {
    public StoreDown(String message, Throwable cause) {
        super(message, cause);
    }
}
