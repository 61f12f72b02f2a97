package org.genblocks;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keeps README's test command and .ci/run in step: CI runs exactly what README tells a user. */
class ReadmeTest {
    @Test
    void ciRunsTheReadmeTestCommand() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        List<String> ci = Files.readAllLines(Path.of(".ci/run"));
        String command = ci.stream().map(String::strip)
                .filter(l -> l.startsWith("mvn ")).findFirst().orElseThrow();
        assertTrue(readme.contains(command + " "), "README must give the CI test command: " + command);
        assertTrue(readme.contains("mvn -q test-compile exec:exec"), "README must give the demo command");
    }
}
