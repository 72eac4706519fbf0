package io.turnpike.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Fails the test class when Netty's leak detector (at PARANOID) found an unreleased buffer. */
public final class NoLeaks implements BeforeAllCallback, AfterAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        assertThat(LeakDetection.paranoid()).as("leak detection level is PARANOID").isTrue();
        LeakDetection.collect(); // start clean: leaks of an earlier class are that class's
    }

    @Override
    public void afterAll(ExtensionContext context) {
        assertThat(LeakDetection.collect()).as("buffers leaked").isEmpty();
    }
}
