package io.turnpike.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code --version}: Turnpike's version from the jar's Maven metadata, and the JVM it runs on. */
final class VersionProvider implements IVersionProvider {
    private static final String POM_PROPERTIES = "/META-INF/maven/io.turnpike/turnpike/pom.properties";

    @Override
    public String[] getVersion() {
        return new String[] {
            "turnpike " + turnpikeVersion(),
            "java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
        };
    }

    /** "dev" when run from classes rather than the packaged jar. */
    static String turnpikeVersion() {
        try (InputStream in = VersionProvider.class.getResourceAsStream(POM_PROPERTIES)) {
            if (in == null) return "dev";
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
