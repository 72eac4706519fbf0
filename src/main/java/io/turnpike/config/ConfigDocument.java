package io.turnpike.config;

import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * One config text read as a YAML node tree and not yet bound: the file, an admin change's body,
 * the persisted admin overlay. Trees keep their marks, so a problem found after pieces of several
 * documents were put together still points into the text it came from.
 *
 * @param root null when the text is empty or not YAML (then {@code problems} says why)
 */
record ConfigDocument(String source, Node root, List<Problem> problems) {

    boolean ok() {
        return problems.isEmpty();
    }

    /** @param empty what to say about an empty text (expected: ...), or null when empty is fine */
    static ConfigDocument parse(String source, String text, String empty) {
        ConfigProblems problems = new ConfigProblems(source);
        Node tree = compose(text, problems);
        if (tree == null && problems.isEmpty() && empty != null) {
            problems.add(new Mark("", 0, 0, 0, new int[0], 0), "", empty);
        }
        return new ConfigDocument(source, tree, problems.sorted());
    }

    /** A file's bytes, which must be UTF-8. */
    static ConfigDocument parse(String source, byte[] bytes, String empty) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            ConfigProblems p = new ConfigProblems(source);
            p.add(null, "", "the file is not UTF-8 text (expected: a UTF-8 YAML or JSON file)");
            return new ConfigDocument(source, null, p.sorted());
        }
        return parse(source, text, empty);
    }

    /**
     * SnakeYAML's default stops at 3 Mi characters, about 30,000 one-line consumers; a fleet's file
     * may hold 100,000 of them and 10,000 routes. The text is the operator's own (admin bodies are
     * bounded by the admin listener's request size), so the limit only guards against a runaway file.
     */
    static final int MAX_CHARACTERS = 256 * 1024 * 1024;

    private static LoaderOptions options() {
        LoaderOptions o = new LoaderOptions();
        o.setCodePointLimit(MAX_CHARACTERS);
        return o;
    }

    private static Node compose(String text, ConfigProblems problems) {
        try {
            // A BOM is legal at the start of a YAML stream but would read as part of the first key.
            String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
            return CompactTree.of(new Yaml(options()).compose(new StringReader(JsonTabs.untab(body))));
        } catch (MarkedYAMLException e) {
            Mark at = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
            problems.add(at, "", "invalid YAML: " + e.getProblem() + context + hint(e.getContext()));
        } catch (YAMLException e) {
            problems.add(null, "", "invalid YAML: " + e.getMessage());
        }
        return null;
    }

    /** The usual way into a flow-context error is an unquoted {@code {id}} inside {@code { }}. */
    private static String hint(String context) {
        return context != null && context.contains("flow")
                ? "; inside { } or [ ] quote values that contain { } [ ] or a comma, like path: \"/users/{id}\""
                : "";
    }
}
