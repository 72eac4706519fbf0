package io.turnpike.cluster;

/**
 * One row of the store's change log, also the shape of one entity in a node's copy.
 *
 * @param version the fleet-wide order of changes, 1, 2, 3... without gaps
 * @param kind    {@code routes}, {@code services}, {@code consumers}, {@code plans} or {@code circuit}
 * @param key     the entity's id ({@code service} or {@code service/node} for a circuit order)
 * @param body    the entity as JSON; null = deleted
 */
public record StoreChange(long version, String kind, String key, String body) {
    /** The entity this change sets, as "kind/key". */
    String entity() {
        return kind + "/" + key;
    }
}
