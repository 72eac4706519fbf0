package io.turnpike.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;

/**
 * Collects every problem found in one config source, so a user sees them all in one go, and the
 * warnings: things that are valid but likely mistakes.
 */
final class ConfigProblems {
    private final String source;
    private final Map<Mark, String> otherSources;
    private final List<Problem> list = new ArrayList<>();
    private final List<Warning> warnings = new ArrayList<>();

    ConfigProblems(String source) {
        this(source, Map.of());
    }

    /**
     * @param otherSources where a document was pieced together from several texts (the file and
     *                     admin changes), the source of each mark that is not from {@code source}
     *                     (an identity map: marks carry no source name of their own)
     */
    ConfigProblems(String source, Map<Mark, String> otherSources) {
        this.source = source;
        this.otherSources = otherSources;
    }

    String source() {
        return source;
    }

    /** @param mark where the problem is; null when the source has no position (e.g. unreadable) */
    void add(Mark mark, String path, String message) {
        int line = mark == null ? 0 : mark.getLine() + 1;
        int column = mark == null ? 0 : mark.getColumn() + 1;
        String from = mark == null ? source : otherSources.getOrDefault(mark, source);
        list.add(new Problem(from, line, column, path, message));
    }

    void warn(Mark mark, String path, String message) {
        String from = mark == null ? source : otherSources.getOrDefault(mark, source);
        warnings.add(new Warning(from, mark == null ? 0 : mark.getLine() + 1, mark == null ? 0 : mark.getColumn() + 1,
                path, message));
    }

    /** The warnings, in file order. */
    List<Warning> warnings() {
        List<Warning> copy = new ArrayList<>(warnings);
        copy.sort(Comparator.comparingInt(Warning::line).thenComparingInt(Warning::column));
        return List.copyOf(copy);
    }

    int count() {
        return list.size() + warnings.size();
    }

    boolean isEmpty() {
        return list.isEmpty();
    }

    /** In file order, so the list reads top to bottom like the file. */
    List<Problem> sorted() {
        List<Problem> copy = new ArrayList<>(list);
        copy.sort(Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column));
        return List.copyOf(copy);
    }
}
