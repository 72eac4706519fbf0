package io.turnpike.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever a client sends, an accepted path is in normal form, so routing it again changes nothing,
 * and no segment of it turns into a dot segment for an origin that drops {@code ;params}.
 */
class RequestPathPropertyTest {

    @Property(tries = 5000)
    void anAcceptedPathIsInNormalForm(@ForAll("targets") String target) {
        RequestPath parsed = RequestPath.parse(target);
        if (!parsed.isValid()) return;
        String path = parsed.path();

        assertThat(RequestPath.parse(path).path()).as(target).isEqualTo(path);
        assertThat(path).as(target).startsWith("/").doesNotContain("//");
        List<String> segments = List.of(path.substring(1).split("/", -1));
        assertThat(segments).as(target).doesNotContain(".", "..");
        for (String segment : segments) {
            // what an origin that drops ;params (or decodes %3B first) makes of the segment
            String beforeParameters = segment.replace("%3B", ";").split(";", -1)[0];
            assertThat(beforeParameters).as(target).isNotIn(".", "..");
        }
        for (int i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
            String hex = path.substring(i + 1, i + 3);
            assertThat(hex).as(target).isUpperCase();
            char decoded = (char) Integer.parseInt(hex, 16);
            assertThat(Character.isLetterOrDigit(decoded) || "-._~".indexOf(decoded) >= 0)
                    .as("%s keeps an escape of an unreserved character: %s", target, path).isFalse();
        }
    }

    @Provide
    Arbitrary<String> targets() {
        return Arbitraries.of("/", "a", "b", ".", "..", "%2e", "%2E", "%2e%2e", "%41", "%3a", "%25",
                        "%252e", "%2f", "%5c", "%00", "%4", "//", "?q", "\\", ";", ";x=1", "%3b", "%3B")
                .list().ofMaxSize(8)
                .map(parts -> "/" + String.join("", parts));
    }
}
