package io.turnpike.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The key tables of the config reference (docs/CONFIG.md, packed beside this class), read for the
 * schema's descriptions and defaults: each table's rows are {@code key | type | default |
 * meaning} (a table may lack the default). A table's keys are under the path its heading names
 * ({@code ### `services.<id>.pool`}), or under the paths an {@code <!-- keys under: ... -->}
 * comment before it names, or absolute when the heading names no one path. The paragraph right
 * under a heading that names a path describes that path's value.
 */
final class ConfigReference {
    /** What the reference says about one key. */
    record Row(String description, String defaultValue) {}

    private static final String RESOURCE = "CONFIG.md";
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");
    private static final Pattern KEYS_UNDER = Pattern.compile("<!--\\s*keys under:(.*?)-->");
    private static final Pattern HEADING = Pattern.compile("#{2,4}\\s+(.*)");
    private static final Pattern REMARK = Pattern.compile("\\s*\\([^()]*\\)\\s*$");

    private final Map<String, Row> rows;

    private ConfigReference(Map<String, Row> rows) {
        this.rows = rows;
    }

    /** The reference packed with the gateway. */
    static ConfigReference packed() {
        try (InputStream in = ConfigReference.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing resource " + RESOURCE + " (docs/CONFIG.md, copied at build)");
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE, e);
        }
    }

    static ConfigReference parse(String markdown) {
        Map<String, Row> rows = new LinkedHashMap<>();
        List<String> bases = List.of("");
        List<String> lines = markdown.lines().toList();
        boolean fence = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("```")) fence = !fence;
            if (fence) continue;
            Matcher h = HEADING.matcher(line);
            Matcher k = KEYS_UNDER.matcher(line);
            if (h.matches()) {
                bases = List.of(headingPath(h.group(1)));
                // The paragraph under a heading that names a path describes that value itself.
                StringBuilder about = new StringBuilder();
                for (int j = i + 1; j < lines.size() && prose(lines.get(j)); j++) about.append(' ').append(lines.get(j).strip());
                if (!bases.get(0).isEmpty() && !about.isEmpty()) {
                    rows.putIfAbsent(bases.get(0), new Row(about.toString().strip(), null));
                }
            } else if (k.find()) {
                bases = new ArrayList<>();
                for (String b : k.group(1).split(",")) bases.add(normalise(b.strip()));
            } else if (line.startsWith("|") && i + 1 < lines.size() && lines.get(i + 1).startsWith("|---")) {
                List<String> header = cells(line);
                if (!header.get(0).toLowerCase(Locale.ROOT).startsWith("key")) continue;
                int dflt = header.indexOf("default");
                int meaning = header.size() - 1;
                for (i += 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
                    row(cells(lines.get(i)), dflt, meaning, bases, rows);
                }
                i--;
            }
        }
        return new ConfigReference(rows);
    }

    private static boolean prose(String line) {
        String l = line.strip();
        return !l.isEmpty() && !l.startsWith("|") && !l.startsWith("```") && !l.startsWith("<!--") && !l.startsWith("#")
                && !l.startsWith("- ");
    }

    /** What the reference says about the value at {@code path} ({@code services.*.nodes[]}), or null. */
    Row at(String path) {
        return rows.get(normalise(path));
    }

    private static void row(List<String> cells, int dflt, int meaning, List<String> bases, Map<String, Row> into) {
        if (cells.size() <= meaning) return;
        List<String> keys = codes(cells.get(0));
        List<String> defaults = dflt < 0 ? List.of() : literals(cells.get(dflt));
        String description = cells.get(meaning).strip();
        for (int n = 0; n < keys.size(); n++) {
            String value = defaults.size() == keys.size() ? defaults.get(n) : defaults.size() == 1 ? defaults.get(0) : null;
            Row row = new Row(description.isEmpty() ? null : description, value);
            for (String base : bases) {
                into.putIfAbsent(normalise(base.isEmpty() ? keys.get(n) : base + "." + keys.get(n)), row);
            }
        }
    }

    /** A default written as code alone ({@code `30s`}, or {@code `1s`, `5m`} for two keys), a remark in () allowed after. */
    private static List<String> literals(String cell) {
        String c = REMARK.matcher(cell.strip()).replaceFirst("");
        if (!c.matches("`[^`]+`(,\\s*`[^`]+`)*")) return List.of();
        return codes(c);
    }

    private static List<String> codes(String cell) {
        List<String> out = new ArrayList<>();
        Matcher m = CODE.matcher(cell);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /** A heading that is one key path (backquoted) names the path its tables are under; else none. */
    private static String headingPath(String heading) {
        Matcher m = Pattern.compile("`([^`]+)`").matcher(heading.strip());
        return m.matches() ? normalise(m.group(1)) : "";
    }

    /** {@code services.<id>.nodes[]} and {@code services.*.nodes[]} alike: {@code services.*.nodes}. */
    static String normalise(String path) {
        return path.replaceAll("<[^>]*>", "*").replace("[]", "");
    }

    /** A table row's cells; a | inside `code` does not split. */
    private static List<String> cells(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean code = false;
        String body = line.strip();
        for (int i = 1; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '`') code = !code;
            if (c == '|' && !code && body.charAt(i - 1) != '\\') {
                out.add(cell.toString().strip());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        if (!cell.toString().isBlank()) out.add(cell.toString().strip());
        return out;
    }
}
