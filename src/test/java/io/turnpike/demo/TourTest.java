package io.turnpike.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TourTest {

    @Test
    void readmeShowsTheSameCommandsTheDemoPrints() throws Exception {
        String readme = Files.readString(Path.of("README.md"));

        for (Tour.Stop stop : Tour.stops(8080)) {
            assertThat(readme).contains("# " + stop.shows() + "\n" + stop.command() + "\n");
        }
    }

    @Test
    void everyStopTargetsTheGivenPort() {
        assertThat(Tour.stops(9999)).hasSizeBetween(4, 9)
                .allSatisfy(stop -> assertThat(stop.command()).contains("http://127.0.0.1:9999/api/"));
    }
}
