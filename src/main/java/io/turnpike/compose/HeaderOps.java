package io.turnpike.compose;

import io.netty.handler.codec.http.HttpHeaders;
import io.turnpike.config.TransformSpec;
import io.turnpike.core.PolicyCall;
import java.util.Map;

/** Header changes of a transform, compiled once: remove, then set, then add. */
final class HeaderOps {
    private final String[] remove;
    private final String[] setNames;
    private final Template[] setValues;
    private final String[] addNames;
    private final Template[] addValues;

    HeaderOps(TransformSpec.Headers spec) {
        remove = spec.remove().toArray(String[]::new);
        setNames = spec.set().keySet().toArray(String[]::new);
        setValues = templates(spec.set());
        addNames = spec.add().keySet().toArray(String[]::new);
        addValues = templates(spec.add());
    }

    private static Template[] templates(Map<String, String> m) {
        return m.values().stream().map(Template::compile).toArray(Template[]::new);
    }

    boolean isEmpty() {
        return remove.length == 0 && setNames.length == 0 && addNames.length == 0;
    }

    void apply(HttpHeaders h, PolicyCall call) {
        for (String r : remove) h.remove(r);
        for (int i = 0; i < setNames.length; i++) h.set(setNames[i], value(setValues[i].render(call, null)));
        for (int i = 0; i < addNames.length; i++) h.add(addNames[i], value(addValues[i].render(call, null)));
    }

    /**
     * A value from the request (a decoded query parameter, a claim) may hold characters a header
     * cannot: control characters become spaces, so no value can split or end a header.
     */
    static String value(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                StringBuilder b = new StringBuilder(v);
                for (int j = i; j < b.length(); j++) {
                    char d = b.charAt(j);
                    if (d < 0x20 && d != '\t' || d == 0x7f) b.setCharAt(j, ' ');
                }
                return b.toString();
            }
        }
        return v;
    }
}
