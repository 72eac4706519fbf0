package io.turnpike.compose;

import io.netty.handler.codec.http.HttpHeaders;
import io.turnpike.config.TransformSpec;
import io.turnpike.core.HeaderText;
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
     * cannot: control characters become spaces, so no value can split or end a header. Text past
     * ASCII goes as its UTF-8 bytes ({@link HeaderText#utf8}).
     */
    static CharSequence value(String v) {
        int first = HeaderText.firstControl(v);
        if (first >= 0) {
            StringBuilder b = new StringBuilder(v);
            for (int j = first; j < b.length(); j++) {
                if (HeaderText.isControl(b.charAt(j))) b.setCharAt(j, ' ');
            }
            v = b.toString();
        }
        return HeaderText.utf8(v);
    }
}
