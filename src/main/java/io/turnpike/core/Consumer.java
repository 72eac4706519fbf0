package io.turnpike.core;

import java.util.List;

/**
 * An authenticated caller: its id and groups, as the upstream will see them
 * ({@code X-Consumer-Id}, {@code X-Consumer-Groups}).
 */
public record Consumer(String id, List<String> groups, String plan, String groupsHeader) {
    public Consumer(String id, List<String> groups, String plan) {
        this(id, List.copyOf(groups), plan, String.join(",", groups));
    }

    public boolean inAny(List<String> names) {
        for (String g : groups) {
            if (names.contains(g)) return true;
        }
        return false;
    }
}
