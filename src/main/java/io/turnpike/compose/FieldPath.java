package io.turnpike.compose;

import java.util.ArrayList;
import java.util.List;

/**
 * A field path of a transform: {@code id}, {@code user.name}, {@code items[].id}, {@code [].id}.
 * Steps are field names; {@link #EACH} stands for every element of an array. A field step that
 * meets an array applies to each element too, so {@code items.id} reads like {@code items[].id}.
 */
final class FieldPath {
    static final String EACH = "[]";

    private FieldPath() {}

    static List<String> parse(String path) {
        List<String> steps = new ArrayList<>();
        for (String part : path.split("\\.")) {
            if (part.equals(EACH)) {
                steps.add(EACH);
            } else if (part.endsWith(EACH)) {
                steps.add(part.substring(0, part.length() - 2));
                steps.add(EACH);
            } else {
                steps.add(part);
            }
        }
        return steps;
    }
}
