package io.turnpike.core;

/**
 * A typed key for what a policy step leaves on a request for a later step or an observer (a quota
 * reservation, a verified client certificate, ...). Keys are compared by identity: a feature
 * declares its own as a constant, and no other package needs to know about it, nor the exchange.
 *
 * @param <T> the type of the value
 */
public final class AttrKey<T> {
    private final String name;

    private AttrKey(String name) {
        this.name = name;
    }

    public static <T> AttrKey<T> of(String name) {
        return new AttrKey<>(name);
    }

    @Override
    public String toString() {
        return name;
    }
}
