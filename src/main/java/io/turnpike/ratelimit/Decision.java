package io.turnpike.ratelimit;

import java.util.concurrent.CompletionStage;

/** A decision now ({@link Outcome}), or one that completes later (a Redis round trip). */
sealed interface Decision permits Outcome, Decision.Later {
    record Later(CompletionStage<Outcome> outcome) implements Decision {}
}
