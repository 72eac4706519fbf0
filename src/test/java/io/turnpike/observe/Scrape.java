package io.turnpike.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.turnpike.testing.SystemTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** One Prometheus text scrape, parsed into samples so tests can ask for a series by its labels. */
record Scrape(String text, List<Sample> samples) {
    record Sample(String name, Map<String, String> labels, double value) {}

    static Scrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            Map<String, String> labels = new LinkedHashMap<>();
            String name;
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                String body = line.substring(brace + 1, line.lastIndexOf('}'));
                for (String pair : body.split(",")) { // our label values hold no commas or quotes
                    if (pair.isEmpty()) continue;
                    int eq = pair.indexOf('=');
                    labels.put(pair.substring(0, eq), pair.substring(eq + 2, pair.length() - 1));
                }
            } else {
                name = line.substring(0, space);
            }
            samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
        }
        return new Scrape(text, samples);
    }

    /** The value of the one series with exactly these labels; fails when there is none. */
    double value(String name, String... labelPairs) {
        Map<String, String> want = labels(labelPairs);
        return samples.stream()
                .filter(s -> s.name.equals(name) && s.labels.equals(want))
                .findFirst()
                .map(Sample::value)
                .orElseThrow(() -> new AssertionError("no series " + name + want + " in\n" + grep(name)));
    }

    boolean has(String name, String... labelPairs) {
        Map<String, String> want = labels(labelPairs);
        return samples.stream().anyMatch(s -> s.name.equals(name) && s.labels.equals(want));
    }

    /** Sum over every series of a name. */
    double sum(String name) {
        return samples.stream().filter(s -> s.name.equals(name)).mapToDouble(Sample::value).sum();
    }

    List<Sample> series(String name) {
        return samples.stream().filter(s -> s.name.equals(name)).toList();
    }

    String grep(String prefix) {
        return String.join("\n", text.lines().filter(l -> l.startsWith(prefix)).toList());
    }

    private static Map<String, String> labels(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put(pairs[i], pairs[i + 1]);
        return m;
    }

    /**
     * Runs {@code promtool check metrics} on the text. promtool comes from no Maven artifact: without it
     * the test skips, saying what to install (CI installs it and fails instead, see SystemTools).
     */
    void assertPromtoolAccepts() throws IOException, InterruptedException {
        Path promtool = promtool();
        Path file = Files.createTempFile("scrape", ".txt");
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
            Process p = new ProcessBuilder(promtool.toString(), "check", "metrics")
                    .redirectInput(file.toFile())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("promtool check metrics did not finish");
            }
            assertThat(p.exitValue()).as("promtool check metrics:\n" + out).isZero();
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static Path promtool() {
        Optional<Path> promtool = SystemTools.find("promtool", "/usr/bin");
        SystemTools.assumeInstalled(promtool.isPresent(),
                "install promtool (Debian: apt-get install prometheus) to check the /metrics text with it");
        return promtool.orElseThrow();
    }
}
