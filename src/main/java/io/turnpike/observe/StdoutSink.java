package io.turnpike.observe;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;

/**
 * Access log lines on standard output, for process managers and container runtimes that collect
 * stdout: each batch in one write, unbuffered here since the batch is the buffer. Standard output
 * stays open on close.
 */
final class StdoutSink implements AccessLog.Sink {
    private final FileOutputStream out = new FileOutputStream(FileDescriptor.out);

    @Override
    public void write(byte[] batch, int length, int lines) throws IOException {
        out.write(batch, 0, length);
    }

    @Override
    public void close() {
        // nothing buffered; stdout is not ours to close
    }
}
