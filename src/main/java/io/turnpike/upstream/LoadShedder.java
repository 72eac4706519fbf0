package io.turnpike.upstream;

/** Sheds normal-priority calls when the service is at its in-flight limit; high priority goes first. */
public final class LoadShedder {
    /** Null to let the call through, else a refusal (overloaded). */
    public Admission admit(boolean highPriority, long nowNanos) {
        return null;
    }

    /** An admitted request is done. */
    public void onRequestEnd() {}
}
