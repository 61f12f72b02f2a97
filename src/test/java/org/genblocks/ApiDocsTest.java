package org.genblocks;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps docs/api.md whole: every public top-level class, interface, record or enum of the library
 * is named there (reachable from {@link GenBlocks} or listed as a building block it uses), and every
 * docs page is listed in docs/index.md.
 */
class ApiDocsTest {
    private static final Pattern PUBLIC_TYPE = Pattern.compile(
            "^public\\s+(?:(?:final|abstract|sealed|non-sealed|strictfp)\\s+)*(?:class|interface|record|enum|@interface)\\s+(\\w+)",
            Pattern.MULTILINE);

    @Test
    void everyPublicTypeIsOnTheApiPage() throws IOException {
        String api = Files.readString(Path.of("docs/api.md"));
        List<String> missing = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                Matcher m = PUBLIC_TYPE.matcher(Files.readString(f));
                if (m.find()) {
                    String name = m.group(1);
                    if (!Pattern.compile("\\b" + name + "\\b").matcher(api).find()) {
                        missing.add(f.toString().replace("src/main/java/", ""));
                    }
                }
            }
        }
        assertTrue(missing.isEmpty(), "docs/api.md does not name these public types: " + missing);
    }

    @Test
    void everyDocsPageIsInTheIndex() throws IOException {
        String index = Files.readString(Path.of("docs/index.md"));
        List<String> missing = new ArrayList<>();
        try (Stream<Path> pages = Files.list(Path.of("docs"))) {
            pages.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".md") && !n.equals("index.md"))
                    .filter(n -> !index.contains("(" + n + ")")).forEach(missing::add);
        }
        assertTrue(missing.isEmpty(), "docs/index.md does not link these pages: " + missing);
    }
}
