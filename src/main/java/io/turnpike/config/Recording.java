package io.turnpike.config;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One pass of the binders over a config that holds no values, only shapes: each {@link ConfigNode}
 * made for it stands for whatever the file could have at its path ({@code routes[].match.path},
 * {@code services.*.nodes[]}), and what the binders read there is written down in {@link Shapes}.
 *
 * <p>Where a binder asks about a value's shape ({@code isPresent}, {@code isMapping}, ...) this
 * pass answers as its {@code assigned} shapes say, or "a mapping" (present, for {@code isPresent})
 * when they say nothing; the question is kept, so that {@link ConfigSchema} runs further passes
 * with the other answers and every branch gets walked. A value nobody asks about takes whatever
 * the reader wants: a list for {@code items}, a scalar for {@code text}.
 */
final class Recording {
    enum Shape { ABSENT, SCALAR, MAPPING, SEQUENCE }

    /** Deeper than any config goes; only a binder walking a value recursively gets here. */
    private static final int MAX_DEPTH = 24;

    private final Map<String, Shape> assigned;
    private final Map<String, Shape> decided = new HashMap<>();
    private final Map<String, Set<Shape>> questions = new LinkedHashMap<>();
    private final Shapes shapes;
    private final int pass;

    Recording(Map<String, Shape> assigned, Shapes shapes, int pass) {
        this.assigned = assigned;
        this.shapes = shapes;
        this.pass = pass;
    }

    /** The paths asked about in this pass, in order, each with the answers not given yet. */
    Map<String, Set<Shape>> questions() {
        return questions;
    }

    /** Null while nothing has fixed the shape at {@code path} in this pass. */
    private Shape shape(String path) {
        Shape s = decided.get(path);
        if (s == null && (s = assigned.get(path)) != null) decided.put(path, s);
        return s;
    }

    private boolean takes(String path, Shape wanted) {
        Shape s = shape(path);
        return (s == null || s == wanted) && depth(path) <= MAX_DEPTH;
    }

    private static int depth(String path) {
        int n = 1;
        for (int i = 0; i < path.length(); i++) if (path.charAt(i) == '.' || path.charAt(i) == '[') n++;
        return n;
    }

    boolean present(String path) {
        Shape s = shape(path);
        if (s != null) return s != Shape.ABSENT;
        questions.computeIfAbsent(path, p -> EnumSet.noneOf(Shape.class)).add(Shape.ABSENT);
        return true;
    }

    boolean is(String path, Shape wanted) {
        Shape s = shape(path);
        if (s == null) {
            s = Shape.MAPPING;
            decided.put(path, s);
            questions.computeIfAbsent(path, p -> EnumSet.noneOf(Shape.class))
                    .addAll(EnumSet.of(Shape.ABSENT, Shape.SCALAR, Shape.SEQUENCE));
        }
        return s == wanted;
    }

    /** A reader wants a scalar here: noted when this pass has one. */
    void scalar(String path, Leaf leaf) {
        if (takes(path, Shape.SCALAR)) shapes.at(path).leaf(leaf);
    }

    boolean mapping(String path) {
        if (!takes(path, Shape.MAPPING)) return false;
        shapes.at(path).object(pass);
        return true;
    }

    void keys(String path, List<String> accepted) {
        if (takes(path, Shape.MAPPING)) shapes.at(path).object(pass).close(accepted);
    }

    boolean property(String path, String key, boolean required) {
        if (!takes(path, Shape.MAPPING)) return false;
        shapes.at(path).object(pass).property(key, required ? pass : -1);
        return true;
    }

    boolean sequence(String path, boolean singleOk) {
        if (!takes(path, Shape.SEQUENCE)) return false;
        shapes.at(path).array(singleOk);
        return true;
    }

    /** The reader takes the value whole: any shape goes. */
    void any(String path) {
        if (shape(path) != Shape.ABSENT) shapes.at(path).leaf(Leaf.ANY);
    }

    /** True when the value at {@code path} is a scalar in this pass. */
    boolean scalarHere(String path) {
        return shape(path) == Shape.SCALAR;
    }

    /** What the binders accepted at each path, over every pass. */
    static final class Shapes {
        private final Map<String, At> byPath = new LinkedHashMap<>();

        At at(String path) {
            return byPath.computeIfAbsent(path, p -> new At());
        }

        At get(String path) {
            return byPath.get(path);
        }
    }

    /** What was accepted at one path. */
    static final class At {
        boolean object;
        boolean closed;
        final Set<String> keys = new LinkedHashSet<>();
        final Set<String> accepted = new LinkedHashSet<>();
        final Set<Integer> objectPasses = new LinkedHashSet<>();
        final Map<String, Set<Integer>> requiredIn = new HashMap<>();
        boolean array;
        boolean singleOk;
        final List<Leaf> leaves = new ArrayList<>();

        At object(int pass) {
            object = true;
            objectPasses.add(pass);
            return this;
        }

        void close(List<String> names) {
            closed = true;
            accepted.addAll(names);
        }

        void property(String key, int requiredPass) {
            keys.add(key);
            if (requiredPass >= 0) requiredIn.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(requiredPass);
        }

        void array(boolean single) {
            array = true;
            singleOk |= single;
        }

        void leaf(Leaf leaf) {
            if (!leaves.contains(leaf)) leaves.add(leaf);
        }

        /** Required: every pass that saw this mapping required the key. */
        boolean required(String key) {
            Set<Integer> in = requiredIn.get(key);
            return in != null && in.containsAll(objectPasses);
        }
    }
}
