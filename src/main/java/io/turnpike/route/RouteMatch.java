package io.turnpike.route;

import java.util.Set;

/**
 * The router's answer for one request.
 *
 * <p>{@link Kind#FOUND}: {@link #route()} and the path variables are set.
 * {@link Kind#METHOD_NOT_ALLOWED}: some route matches host and path but not the method;
 * {@link #allowed()} lists the methods that would match (for the {@code Allow} header).
 * {@link Kind#NOT_FOUND}: nothing matches.
 */
public final class RouteMatch<T> {
    public enum Kind { FOUND, NOT_FOUND, METHOD_NOT_ALLOWED }

    private static final RouteMatch<?> NOT_FOUND = new RouteMatch<>(Kind.NOT_FOUND, null, null, null, null);

    private final Kind kind;
    private final T route;
    private final String[] names;
    private final String[] values;
    private final Set<String> allowed;

    private RouteMatch(Kind kind, T route, String[] names, String[] values, Set<String> allowed) {
        this.kind = kind;
        this.route = route;
        this.names = names;
        this.values = values;
        this.allowed = allowed;
    }

    /** @param names variable names in template order; {@code **} for the rest of a prefix match */
    public static <T> RouteMatch<T> found(T route, String[] names, String[] values) {
        return new RouteMatch<>(Kind.FOUND, route, names, values, null);
    }

    @SuppressWarnings("unchecked")
    public static <T> RouteMatch<T> notFound() {
        return (RouteMatch<T>) NOT_FOUND;
    }

    public static <T> RouteMatch<T> methodNotAllowed(Set<String> allowed) {
        return new RouteMatch<>(Kind.METHOD_NOT_ALLOWED, null, null, null, Set.copyOf(allowed));
    }

    public Kind kind() { return kind; }
    public T route() { return route; }
    public Set<String> allowed() { return allowed; }
    public int variableCount() { return names == null ? 0 : names.length; }
    public String variableName(int i) { return names[i]; }
    public String variableValue(int i) { return values[i]; }

    /** Sets a captured value; only the router calls it, before the answer is handed out. */
    void setVariableValue(int i, String value) {
        values[i] = value;
    }

    /** The value of a path variable, or null. {@code "**"} is the rest of a prefix match. */
    public String variable(String name) {
        if (names == null) return null;
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) return values[i];
        }
        return null;
    }
}
