package io.turnpike.observe;

import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * Access log lines on standard output, buffered and flushed whenever the queue runs empty, for
 * process managers and container runtimes that collect stdout. Standard output stays open on close.
 */
final class StdoutSink implements AccessLog.Sink {
    private final Writer out = new BufferedWriter(
            new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), 64 * 1024);

    @Override
    public void write(String line) throws IOException {
        out.write(line);
        out.write('\n');
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.flush();
    }
}
