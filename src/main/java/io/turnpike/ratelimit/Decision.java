package io.turnpike.ratelimit;

import java.util.concurrent.CompletionStage;

/** A decision now ({@link LimitOutcome}), or one that completes later (a Redis round trip). */
sealed interface Decision permits LimitOutcome, Decision.Later {
    record Later(CompletionStage<LimitOutcome> outcome) implements Decision {}
}
