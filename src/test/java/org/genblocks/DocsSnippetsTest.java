package org.genblocks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every ```java block of README.md and docs/*.md compiles as pasted. A block is either
 * <ul>
 *   <li>a complete program: its imports and a class with {@code main}; it is compiled with javac against the
 *       test class path, or</li>
 *   <li>a fragment: its first line is {@code // fragment of PATH} (optionally followed by a note), PATH a Java
 *       file of this repository that compiles in the build (an example program, a source file); every
 *       non-blank line of the block must appear in that file, in the same order (leading and trailing
 *       spaces aside).</li>
 * </ul>
 * Anything else fails, naming the page, the block's line and what to do. The README's first block is also run,
 * in a fresh JVM with a cleared environment and no flags, as a user who pasted it would run it (with a small
 * step count as its argument).
 */
class DocsSnippetsTest {
    static final String MARK = "// fragment of ";
    private static final Pattern FENCE = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern OWN_PACKAGE = Pattern.compile("^package\\s+[\\w.]+\\s*;", Pattern.MULTILINE);
    private static final Pattern CLASS = Pattern.compile("^(?:public\\s+)?(?:final\\s+)?class\\s+(\\w+)", Pattern.MULTILINE);

    /** One fenced java block: its page, 1-based line of the fence, and code. */
    record Block(Path page, int line, String code) {
        String where() {
            return page + ":" + line;
        }

        String firstLine() {
            return code.lines().filter(l -> !l.isBlank()).findFirst().orElse("").strip();
        }

        boolean fragment() {
            return firstLine().startsWith(MARK);
        }

        boolean complete() {
            return CLASS.matcher(code).find() && code.contains("static void main(");
        }
    }

    static List<Block> blocks(Path page) throws IOException {
        String text = Files.readString(page, StandardCharsets.UTF_8);
        List<Block> out = new ArrayList<>();
        Matcher m = FENCE.matcher(text);
        while (m.find()) {
            int line = (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1;
            out.add(new Block(page, line, m.group(1)));
        }
        return out;
    }

    static List<Path> pages(Path root) throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(root.resolve("README.md"));
        try (Stream<Path> s = Files.list(root.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    /** Problems of the fragments: a missing file, or a line the file does not hold in order. */
    static List<String> checkFragments(List<Block> blocks, Path root) throws IOException {
        List<String> problems = new ArrayList<>();
        for (Block b : blocks) {
            if (!b.fragment()) {
                continue;
            }
            String rest = b.firstLine().substring(MARK.length()).strip();
            String file = rest.split("\\s+")[0];
            Path source = root.resolve(file);
            if (!file.endsWith(".java") || !Files.isRegularFile(source)) {
                problems.add(b.where() + ": names " + file + ", which is not a Java file of the repository");
                continue;
            }
            List<String> have = Files.readAllLines(source, StandardCharsets.UTF_8).stream().map(String::strip).toList();
            int at = 0;
            for (String want : b.code().lines().skip(1).map(String::strip).filter(l -> !l.isEmpty()).toList()) {
                int found = -1;
                for (int i = at; i < have.size(); i++) {
                    if (have.get(i).equals(want)) {
                        found = i;
                        break;
                    }
                }
                if (found < 0) {
                    problems.add(b.where() + ": the line \"" + want + "\" is not in " + file
                            + " (after the block's earlier lines): copy the block from the file, or change both");
                    break;
                }
                at = found + 1;
            }
        }
        return problems;
    }

    /** Compiles the complete blocks (each in its own package) into {@code out}; returns main class per block. */
    static Map<Block, String> compileComplete(List<Block> blocks, Path out, List<String> problems) throws IOException {
        Map<Block, String> mains = new LinkedHashMap<>();
        Map<Path, Block> sources = new LinkedHashMap<>();
        Path src = out.resolve("src");
        int n = 0;
        for (Block b : blocks) {
            if (b.fragment()) {
                continue;
            }
            if (!b.complete()) {
                problems.add(b.where() + ": neither a complete program (imports and a class with main) nor a fragment"
                        + " (first line \"" + MARK + "path/to/Example.java\" naming a file that holds its lines)");
                continue;
            }
            Matcher m = CLASS.matcher(b.code());
            m.find();
            String pkg = "docsnippet.b" + (n++);
            Path file = src.resolve(pkg.replace('.', '/')).resolve(m.group(1) + ".java");
            Files.createDirectories(file.getParent());
            // its own package, on the first line so that line numbers stay; a block's own package is replaced
            Matcher own = OWN_PACKAGE.matcher(b.code());
            String code = own.find() ? own.replaceFirst("package " + pkg + ";") : "package " + pkg + "; " + b.code();
            Files.writeString(file, code, StandardCharsets.UTF_8);
            sources.put(file, b);
            mains.put(b, pkg + "." + m.group(1));
        }
        if (sources.isEmpty()) {
            return mains;
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        Path classes = out.resolve("classes");
        Files.createDirectories(classes);
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            List<String> options = List.of("-d", classes.toString(), "-cp", System.getProperty("java.class.path"),
                    "-proc:none", "-nowarn", "-encoding", "UTF-8");
            javac.getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromPaths(sources.keySet())).call();
        }
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() != Diagnostic.Kind.ERROR) {
                continue;
            }
            Block b = d.getSource() == null ? null : sources.get(Path.of(d.getSource().toUri()));
            String where = b == null ? "?" : b.page() + ":" + (b.line() + d.getLineNumber());
            problems.add(where + ": does not compile: " + d.getMessage(Locale.ROOT));
        }
        return mains;
    }

    @Test
    void everyJavaBlockOfTheReadmeAndDocsCompilesAsPasted(@TempDir Path tmp) throws Exception {
        Path root = Path.of("");
        List<Block> all = new ArrayList<>();
        for (Path page : pages(root)) {
            all.addAll(blocks(page));
        }
        assertTrue(all.size() > 40, "found only " + all.size() + " java blocks");
        List<String> problems = new ArrayList<>(checkFragments(all, root));
        Map<Block, String> mains = compileComplete(all, tmp, problems);
        assertTrue(problems.isEmpty(), problems.size() + " java blocks in README.md/docs do not compile as pasted:\n"
                + String.join("\n", problems));

        // the README's first block: a complete program a user runs with no flags and no environment
        Block first = blocks(root.resolve("README.md")).get(0);
        assertTrue(mains.containsKey(first), "README's first java block must be a complete program");
        Path work = Files.createDirectories(tmp.resolve("consumer"));
        ChildJvm.Result r = ChildJvm.run(mains.get(first), List.of(), Map.of(), List.of("20"),
                List.of(tmp.resolve("classes")), work, Duration.ofMinutes(3));
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("energy distance"), r.output());
        BufferedImage png = ImageIO.read(work.resolve("out/moons.png").toFile());
        assertTrue(png.getWidth() >= 300 && png.getHeight() >= 200, png.getWidth() + "x" + png.getHeight());
    }

    @Test
    void theCheckFailsOnABrokenBlockADriftedFragmentAndAnUnmarkedOne(@TempDir Path tmp) throws Exception {
        Path example = tmp.resolve("Ex.java");
        Files.writeString(example, "class Ex {\n  void f() {\n    int a = 1;\n    int b = 2;\n  }\n}\n");
        Path page = tmp.resolve("page.md");
        Files.writeString(page, String.join("\n",
                "```java", MARK + "Ex.java", "int a = 1;", "int b = 2;", "```",
                "```java", MARK + "Ex.java", "int b = 2;", "int a = 1;", "```",
                "```java", MARK + "Nope.java", "int a = 1;", "```",
                "```java", "int c = 3;", "```",
                "```java", "public class Bad { public static void main(String[] a) { undefined(); } }", "```", ""));
        List<Block> bs = blocks(page);
        assertEquals(5, bs.size());
        List<String> problems = new ArrayList<>(checkFragments(bs, tmp));
        compileComplete(bs, tmp.resolve("out"), problems);
        String all = String.join("\n", problems);
        assertEquals(4, problems.size(), all);
        assertTrue(all.contains("page.md:6: the line \"int a = 1;\" is not in Ex.java"), all);
        assertTrue(all.contains("page.md:11: names Nope.java"), all);
        assertTrue(all.contains("page.md:15: neither a complete program"), all);
        assertTrue(all.contains("page.md:19: does not compile") && all.contains("undefined"), all);
    }
}
