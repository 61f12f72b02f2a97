package org.genblocks;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a Maven Central consumer relies on and a build does not check by itself (issue 18, item 5): every
 * package has a {@code package-info.java} that describes it and names its docs page, and every citation of
 * the design notes ({@code design.md §N}) names a section of {@code docs/design.md}, which the repository holds.
 * (The sources/javadoc jars and {@code Automatic-Module-Name} come from the pom; {@code mvn package} fails
 * on a javadoc error.)
 */
class PackagingTest {
    private static final Path MAIN = Path.of("src/main/java");

    @Test
    void everyPackageHasADescriptionThatNamesItsDocsPage() throws IOException {
        List<String> problems = new ArrayList<>();
        int packages = 0;
        try (Stream<Path> dirs = Files.walk(MAIN)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                boolean hasClasses;
                try (Stream<Path> files = Files.list(dir)) {
                    hasClasses = files.anyMatch(f -> f.toString().endsWith(".java")
                            && !f.getFileName().toString().equals("package-info.java"));
                }
                if (!hasClasses) {
                    continue;
                }
                packages++;
                Path info = dir.resolve("package-info.java");
                if (!Files.exists(info)) {
                    problems.add(MAIN.relativize(dir) + ": no package-info.java");
                    continue;
                }
                String text = Files.readString(info, StandardCharsets.UTF_8);
                String doc = text.contains("*/") ? text.substring(0, text.indexOf("*/")) : "";
                if (doc.length() < 150 || !Pattern.compile("docs/[a-z-]+\\.md").matcher(doc).find()) {
                    problems.add(MAIN.relativize(dir) + ": package-info needs a description naming its docs page");
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(packages >= 15, "expected every library package, found " + packages);
    }

    @Test
    void designCitationsNameSectionsOfDocsDesign() throws IOException {
        Path design = Path.of("docs/design.md");
        assertTrue(Files.exists(design), "docs/design.md holds the design notes the code cites");
        Set<String> sections = new TreeSet<>();
        Matcher h = Pattern.compile("(?m)^## (\\w+)\\. ").matcher(Files.readString(design, StandardCharsets.UTF_8));
        while (h.find()) {
            sections.add(h.group(1));
        }
        assertTrue(sections.containsAll(Set.of("1", "1b", "2", "3", "6")), sections.toString());
        Pattern cite = Pattern.compile("design\\.md(?:\\))? §(\\d\\w*)|design\\.md#(\\d\\w*?)-");
        Pattern old = Pattern.compile("DESIGN( §|:)");
        List<String> problems = new ArrayList<>();
        int citations = 0;
        List<Path> roots = List.of(Path.of("src"), Path.of("docs"), Path.of("examples"), Path.of("README.md"),
                Path.of("pom.xml"));
        for (Path root : roots) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(Files::isRegularFile).filter(PackagingTest::isText).toList()) {
                    String text = Files.readString(f, StandardCharsets.UTF_8);
                    if (old.matcher(text).find()) {
                        problems.add(f + ": cites the old DESIGN notes; cite docs/design.md §N");
                    }
                    Matcher m = cite.matcher(text);
                    while (m.find()) {
                        citations++;
                        String s = m.group(1) != null ? m.group(1) : m.group(2);
                        if (!sections.contains(s)) {
                            problems.add(f + ": cites design.md §" + s + ", which does not exist");
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(citations >= 20, "the design notes are cited about two dozen times, found " + citations);
    }

    private static boolean isText(Path f) {
        String n = f.getFileName().toString();
        return n.endsWith(".java") || n.endsWith(".md") || n.endsWith(".xml") || n.endsWith(".py");
    }
}
