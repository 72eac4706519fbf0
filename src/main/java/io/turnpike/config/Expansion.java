package io.turnpike.config;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.yaml.snakeyaml.error.Mark;

/**
 * Where the {@code ${NAME}} placeholders of one bind are expanded: from the environment in the
 * operator's own file, never in text an admin caller sent (a change's body, the overlay persisted
 * from such bodies, a config posted to validate), which is taken as written. The placeholder syntax
 * is for whoever writes the file on the host; an HTTP caller must not get the gateway to read its
 * environment for them. Remembers the values it handed out, so problems about to go to an admin
 * caller can be checked for them ({@link #forAdmin}).
 */
final class Expansion {
    static final String WITHHELD = "the message is not shown: it would quote a value the config file takes "
            + "from the environment (expected: a change that fits the file's entry at this place)";

    private final Function<String, String> env;
    private final Map<Mark, String> adminMarks; // identity: marks carry no source of their own
    private final boolean allAdmin;
    private final Set<String> handedOut = new HashSet<>();
    private List<String> capture; // where the values resolved meanwhile also go; null = nowhere

    private Expansion(Function<String, String> env, Map<Mark, String> adminMarks, boolean allAdmin) {
        this.env = env;
        this.adminMarks = adminMarks;
        this.allAdmin = allAdmin;
    }

    /** A document that is the operator's file alone. */
    static Expansion file(Function<String, String> env) {
        return new Expansion(env, Map.of(), false);
    }

    /**
     * The file with admin changes laid over it.
     *
     * @param overlayMarks the start mark of every entry the overlay put in (descendants follow their entry)
     */
    static Expansion overlaid(Function<String, String> env, Map<Mark, String> overlayMarks) {
        return new Expansion(env, overlayMarks, false);
    }

    /** A document an admin caller sent whole, like a config to validate: every value as written. */
    static Expansion none() {
        return new Expansion(name -> null, Map.of(), true);
    }

    /** Whether a value starting at {@code at} (or within such a value) came from an admin caller. */
    boolean verbatim(Mark at) {
        return allAdmin || adminMarks.containsKey(at);
    }

    String resolve(String raw) throws Placeholders.Unresolved {
        return Placeholders.resolve(raw, name -> {
            String value = env.apply(name);
            if (value != null && !value.isEmpty()) {
                handedOut.add(value);
                if (capture != null) capture.add(value);
            }
            return value;
        });
    }

    /** Also collects the values resolved from now on into {@code into} (null: stop). */
    void capture(List<String> into) {
        capture = into;
    }

    /** Values a part of the config resolved in an earlier bind and takes as they were. */
    void handedOut(List<String> values) {
        handedOut.addAll(values);
    }

    /** The environment values are read from, compared by identity: the same one gives the same values. */
    Object env() {
        return env;
    }

    /**
     * The problems as an admin caller may see them: a message holding any environment value this
     * bind used is replaced by {@link #WITHHELD}; its place and key path stay.
     */
    List<Problem> forAdmin(List<Problem> problems) {
        if (handedOut.isEmpty()) return problems;
        return problems.stream()
                .map(p -> handedOut.stream().noneMatch(p.message()::contains) ? p
                        : new Problem(p.source(), p.line(), p.column(), p.path(), WITHHELD))
                .toList();
    }
}
