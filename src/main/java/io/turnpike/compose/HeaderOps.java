package io.turnpike.compose;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.turnpike.config.TransformSpec;
import io.turnpike.core.PolicyCall;
import java.nio.charset.StandardCharsets;
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
     * cannot: control characters become spaces, so no value can split or end a header. Text past
     * ASCII goes as its UTF-8 bytes (a String would go out as Latin-1, each character past U+00FF
     * cut to its low byte).
     */
    static CharSequence value(String v) {
        boolean ascii = true;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                StringBuilder b = new StringBuilder(v);
                for (int j = i; j < b.length(); j++) {
                    char d = b.charAt(j);
                    if (d < 0x20 && d != '\t' || d == 0x7f) b.setCharAt(j, ' ');
                }
                return value(b.toString());
            }
            if (c > 0x7f) ascii = false;
        }
        return ascii ? v : new AsciiString(v.getBytes(StandardCharsets.UTF_8), false);
    }
}
