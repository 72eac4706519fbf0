package io.turnpike.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.RouteSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestPathTest {

    private static String normalised(String target) {
        RequestPath p = RequestPath.parse(target);
        assertThat(p.rejection()).as(target).isNull();
        return p.path();
    }

    private static String rejection(String target) {
        RequestPath p = RequestPath.parse(target);
        assertThat(p.isValid()).as(target).isFalse();
        assertThat(p.path()).isNull();
        return p.rejection();
    }

    @Test
    void aCleanPathIsReturnedAsTheSameString() {
        String target = "/api/v1/users/42";
        assertThat(RequestPath.parse(target).path()).isSameAs(target);
        assertThat(RequestPath.parse(target).query()).isNull();
    }

    @Test
    void queryIsSplitOffAndKeptRaw() {
        RequestPath p = RequestPath.parse("/a/../b?x=%2e%2E&y=/../z");
        assertThat(p.path()).isEqualTo("/b");
        assertThat(p.query()).isEqualTo("x=%2e%2E&y=/../z");
        assertThat(RequestPath.parse("/a?").query()).isEmpty();
        assertThat(p).hasToString("/b?x=%2e%2E&y=/../z");
    }

    @ParameterizedTest
    @CsvSource({
            "/a/b/../c,           /a/c",
            "/a/./b,              /a/b",
            "/a/b/.,              /a/b/",
            "/a/b/..,             /a/",
            "/..,                 /",
            "/../../x,            /x",
            "/.,                  /",
            "/a//b///c,           /a/b/c",
            "//,                  /",
            "/a/,                 /a/",
            "/a/%2e%2e/b,         /b",
            "/a/%2E%2e/b,         /b",
            "/a/.%2E/b,           /b",
            "/a/%2e/b,            /a/b",
            "/api/public/../admin,       /api/admin",
            "/api/public/%2e%2e/admin,   /api/admin",
            "/api/public/%2E%2E%2Fadmin, REJECT",
            "/a/%41%7a%30%2D%5F%7E,  /a/Az0-_~",
            "/a/%3a%c3%a9,        /a/%3A%C3%A9",
            "/a/%252e%252e/b,     /a/%252e%252e/b",
            "/a/%25,              /a/%25",
            "/a/..b/.c/c.,        /a/..b/.c/c.",
            "/a/...,              /a/...",
            "/a/b/../../..,       /",
            "'/a:b/@c/!$&()*+,;=', '/a:b/@c/!$&()*+,;='",
    })
    void normalises(String target, String expected) {
        if (expected.equals("REJECT")) {
            assertThat(RequestPath.parse(target.strip()).isValid()).isFalse();
        } else {
            assertThat(normalised(target.strip())).isEqualTo(expected.strip());
        }
    }

    @Test
    void aDoubleEncodedDotIsNeverADot() {
        assertThat(normalised("/api/public/%252e%252e/admin")).isEqualTo("/api/public/%252e%252e/admin");
    }

    @Test
    void absoluteFormYieldsThePathPart() {
        RequestPath p = RequestPath.parse("http://api.example.com:8080/a/../b?q=1");
        assertThat(p.path()).isEqualTo("/b");
        assertThat(p.query()).isEqualTo("q=1");
        assertThat(p.authority()).isEqualTo("api.example.com:8080");
        assertThat(RequestPath.parse("HTTPS://h/x").path()).isEqualTo("/x");
        assertThat(RequestPath.parse("http://h").path()).isEqualTo("/");
        assertThat(RequestPath.parse("http://h?q").path()).isEqualTo("/");
        assertThat(RequestPath.parse("http://h?q").query()).isEqualTo("q");
        assertThat(RequestPath.parse("/x").authority()).isNull();
    }

    @Test
    void rejectsTargetsThatAreNotOriginOrAbsoluteForm() {
        assertThat(rejection("")).isEqualTo(RequestPath.NOT_ORIGIN_FORM);
        assertThat(rejection(null)).isEqualTo(RequestPath.NOT_ORIGIN_FORM);
        assertThat(rejection("*")).isEqualTo(RequestPath.NOT_ORIGIN_FORM);
        assertThat(rejection("a/b")).isEqualTo(RequestPath.NOT_ORIGIN_FORM);
        assertThat(rejection("ftp://h/x")).isEqualTo(RequestPath.NOT_ORIGIN_FORM);
        assertThat(rejection("http:///x")).isEqualTo(RequestPath.MISSING_AUTHORITY);
    }

    @Test
    void rejectsEncodedSlashInEitherCase() {
        assertThat(rejection("/a%2Fb")).isEqualTo(RequestPath.ENCODED_SLASH);
        assertThat(rejection("/a%2fb")).isEqualTo(RequestPath.ENCODED_SLASH);
    }

    @Test
    void rejectsBackslashRawOrEncoded() {
        assertThat(rejection("/a\\b")).isEqualTo(RequestPath.BACKSLASH);
        assertThat(rejection("/a%5Cb")).isEqualTo(RequestPath.ENCODED_BACKSLASH);
        assertThat(rejection("/a%5cb")).isEqualTo(RequestPath.ENCODED_BACKSLASH);
    }

    @Test
    void rejectsNulAndControlCharacters() {
        assertThat(rejection("/a%00b")).isEqualTo(RequestPath.ENCODED_CONTROL);
        assertThat(rejection("/a%0d%0Ab")).isEqualTo(RequestPath.ENCODED_CONTROL);
        assertThat(rejection("/a%7F")).isEqualTo(RequestPath.ENCODED_CONTROL);
        assertThat(rejection("/a\u0000b")).isEqualTo(RequestPath.CONTROL_CHARACTER);
        assertThat(rejection("/a\tb")).isEqualTo(RequestPath.CONTROL_CHARACTER);
        assertThat(rejection("/a b")).isEqualTo(RequestPath.CONTROL_CHARACTER);
        assertThat(rejection("/a\u007fb")).isEqualTo(RequestPath.CONTROL_CHARACTER);
        assertThat(rejection("/a?x=\r\n")).isEqualTo(RequestPath.CONTROL_CHARACTER);
    }

    @Test
    void rejectsNonAsciiBytesInPathAndQuery() {
        assertThat(rejection("/caf\u00e9")).isEqualTo(RequestPath.NON_ASCII);
        assertThat(rejection("/a?q=\u00ff")).isEqualTo(RequestPath.NON_ASCII);
    }

    @Test
    void rejectsFragments() {
        assertThat(rejection("/a#b")).isEqualTo(RequestPath.FRAGMENT);
        assertThat(rejection("/a?q#b")).isEqualTo(RequestPath.FRAGMENT);
        assertThat(rejection("http://h#x")).isEqualTo(RequestPath.FRAGMENT);
    }

    @ParameterizedTest
    @CsvSource({"/a%4", "/a%", "/a%zz", "/a%4g", "/a%g4", "/%%41", "/a%\u0661\u0662"})
    void rejectsMalformedEscapes(String target) {
        assertThat(rejection(target)).isEqualTo(RequestPath.MALFORMED_ESCAPE);
    }

    @ParameterizedTest
    @CsvSource({"/api/public/..;/private/secret", "/a/..;jsessionid=1/b", "/a/..;", "/a/.;x/b", "/a/%2e%2E;x/b",
            "/a/.%2e;/b", "/a/%2E;", "/a/..%3bx/b", "/a/%2e%2e%3B/b", "/..;/x", "http://h/a/..;/b"})
    void rejectsDotSegmentsWithPathParameters(String target) {
        assertThat(rejection(target)).isEqualTo(RequestPath.DOT_SEGMENT_PARAMETERS);
    }

    @ParameterizedTest
    @CsvSource({
            "/a;b=c/d,        /a;b=c/d",
            "/a/;x/b,         /a/;x/b",
            "/a/...;x,        /a/...;x",
            "/a/..b;c/d,      /a/..b;c/d",
            "/a/.x;y,         /a/.x;y",
            "/a/b;..,         /a/b;..",
            "/a/b;x/../c,     /a/c",
            "/a/%3B..,        /a/%3B..",
            "/a/%252e%252e;x, /a/%252e%252e;x",
    })
    void keepsPathParametersOfOtherSegments(String target, String expected) {
        assertThat(normalised(target.strip())).isEqualTo(expected.strip());
    }

    @Test
    void traversalCannotReachARouteTheCleanPathWouldNot() {
        Router<String> router = Router.compile(List.of(
                new Router.Entry<>("admin", new RouteSpec.Match(List.of(), "/api/admin/**", List.of(), Map.of())),
                new Router.Entry<>("public", new RouteSpec.Match(List.of(), "/api/public/**", List.of(), Map.of()))));
        for (String target : new String[] {"/api/public/../admin", "/api/public/%2e%2e/admin",
                "/api/public/%2E%2E/admin/x", "/api/public/./../admin", "//api//public/..//admin"}) {
            RequestPath p = RequestPath.parse(target);
            assertThat(router.find("h", "GET", p.path(), null).route()).as(target).isEqualTo("admin");
        }
        for (String target : new String[] {"/api/public/..;/admin", "/api/public/%2e%2e;x/admin", "/api/public/..%3B/admin"}) {
            assertThat(RequestPath.parse(target).isValid()).as(target).isFalse(); // an origin would read ".."
        }
        RequestPath doubled = RequestPath.parse("/api/public/%252e%252e/admin");
        assertThat(router.find("h", "GET", doubled.path(), null).route()).isEqualTo("public");
    }
}
