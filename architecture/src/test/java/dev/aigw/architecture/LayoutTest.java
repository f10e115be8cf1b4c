package dev.aigw.architecture;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layout rules of docs/ARCHITECTURE.md, checked over the compiled main classes of every published module on this
 * module's class path and over their sources. A rule that fails names each offending class or file.
 */
class LayoutTest {
    /** Adapter source files stay translation-sized. */
    static final int MAX_ADAPTER_LINES = 400;

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.aigw");
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    /** The module a class belongs to, by its package root (dev.aigw and dev.aigw.internal are core). */
    static String module(JavaClass c) {
        String p = c.getPackageName();
        String rest = p.startsWith("dev.aigw.") ? p.substring("dev.aigw.".length()) : "";
        String first = rest.contains(".") ? rest.substring(0, rest.indexOf('.')) : rest;
        return first.isEmpty() || first.equals("internal") ? "core" : first;
    }

    private static JavaClass topLevel(JavaClass c) {
        JavaClass t = c;
        while (t.getEnclosingClass().isPresent()) {
            t = t.getEnclosingClass().get();
        }
        return t;
    }

    private static boolean internal(JavaClass c) {
        return c.getPackageName().equals("dev.aigw.internal") || c.getPackageName().contains(".internal");
    }

    @Test
    void theRulesSeeEveryPublishedModule() {
        Set<String> modules = new TreeSet<>();
        CLASSES.forEach(c -> modules.add(module(c)));
        assertThat(modules).contains("core", "jaxrs", "servlet", "testkit", "httpclient", "opentelemetry");
    }

    @Test
    void theLoopFinderFindsLoopsAndOnlyLoops() {
        Map<String, Set<String>> g = new TreeMap<>();
        g.put("a", Set.of("b"));
        g.put("b", Set.of("c"));
        g.put("c", Set.of("a", "d"));
        g.put("d", Set.of());
        assertThat(stronglyConnected(g)).filteredOn(s -> s.size() > 1).singleElement()
                .satisfies(s -> assertThat(s).containsExactlyInAnyOrder("a", "b", "c"));
    }

    private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?(dev\\.aigw\\.[\\w.]+?)(?:\\.[a-z_]\\w*|\\.\\*)?;",
            Pattern.MULTILINE);

    /**
     * An "import" is a dependency of one top-level class on another in a different package (same-package references
     * need no import): seen in the compiled classes, and in the sources' import lines (a constant or a javadoc link
     * leaves no trace in a class file). No chain of imports leads back to where it started.
     */
    @Test
    void noImportLoopBetweenFiles() throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        for (Path file : mainSources(p -> true)) {
            String text = Files.readString(file);
            String name = sourceClassName(file);
            Matcher m = IMPORT.matcher(text);
            while (m.find()) {
                String target = topLevelOf(m.group(1));
                if (target != null && !target.substring(0, target.lastIndexOf('.'))
                        .equals(name.substring(0, name.lastIndexOf('.')))) {
                    graph.computeIfAbsent(name, k -> new TreeSet<>()).add(target);
                }
            }
        }
        for (JavaClass c : CLASSES) {
            JavaClass from = topLevel(c);
            graph.computeIfAbsent(from.getName(), k -> new TreeSet<>());
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                JavaClass to = topLevel(d.getTargetClass());
                if (to.getName().startsWith("dev.aigw.") && !to.getPackageName().equals(from.getPackageName())) {
                    graph.get(from.getName()).add(to.getName());
                }
            }
        }
        List<String> loops = new ArrayList<>();
        for (List<String> scc : stronglyConnected(graph)) {
            if (scc.size() > 1) {
                loops.add(new TreeSet<>(scc).toString());
            }
        }
        assertThat(loops).as("classes in different packages that import each other, directly or round a loop")
                .isEmpty();
    }

    /**
     * Core's internals are what every adapter needs: a class there is used by core itself or by two modules or more;
     * one that only a single adapter uses belongs to that adapter.
     */
    @Test
    void noCoreInternalServesOneAdapterOnly() {
        Map<String, Set<String>> users = new TreeMap<>();
        for (JavaClass c : CLASSES) {
            if (c.getPackageName().equals("dev.aigw.internal")) {
                users.computeIfAbsent(topLevel(c).getName(), k -> new TreeSet<>());
            }
        }
        for (JavaClass c : CLASSES) {
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                JavaClass to = topLevel(d.getTargetClass());
                if (users.containsKey(to.getName()) && !topLevel(c).getName().equals(to.getName())) {
                    users.get(to.getName()).add(module(c));
                }
            }
        }
        Map<String, Set<String>> offenders = new TreeMap<>();
        users.forEach((cls, mods) -> {
            if (!mods.contains("core") && mods.size() == 1) {
                offenders.put(cls, mods);
            }
        });
        assertThat(offenders).as("core internal classes used by one adapter module only").isEmpty();
    }

    /** The public API neither takes nor hands out internal types. */
    @Test
    void noPublicApiMentionsAnInternalType() {
        List<String> offenders = new ArrayList<>();
        for (JavaClass c : CLASSES) {
            if (internal(c) || !c.getModifiers().contains(JavaModifier.PUBLIC) || !visibleOuter(c)) {
                continue;
            }
            for (JavaCodeUnit u : c.getCodeUnits()) {
                if (!exposed(u.getModifiers())) {
                    continue;
                }
                List<JavaClass> types = new ArrayList<>(u.getRawParameterTypes());
                types.add(u.getRawReturnType());
                for (JavaClass t : types) {
                    if (t.getName().startsWith("dev.aigw.") && internal(t)) {
                        offenders.add(u.getFullName() + " uses " + t.getName());
                    }
                }
            }
            for (JavaField f : c.getFields()) {
                if (exposed(f.getModifiers()) && f.getRawType().getName().startsWith("dev.aigw.")
                        && internal(f.getRawType())) {
                    offenders.add(f.getFullName() + " is of " + f.getRawType().getName());
                }
            }
        }
        assertThat(offenders).as("public API members with internal types").isEmpty();
    }

    private static boolean visibleOuter(JavaClass c) {
        for (JavaClass t = c; t.getEnclosingClass().isPresent(); t = t.getEnclosingClass().get()) {
            if (!t.getEnclosingClass().get().getModifiers().contains(JavaModifier.PUBLIC)) {
                return false;
            }
        }
        return true;
    }

    private static boolean exposed(Set<JavaModifier> m) {
        return m.contains(JavaModifier.PUBLIC) || m.contains(JavaModifier.PROTECTED);
    }

    private static final Pattern TYPE_DECLARATION = Pattern.compile(
            "(/\\*\\*(?:(?!\\*/).)*\\*/)?\\s*(?:@[\\w.]+(?:\\([^)]*\\))?\\s*)*"
                    + "(?:public\\s+|final\\s+|abstract\\s+|sealed\\s+|non-sealed\\s+)*"
                    + "(?:class|interface|enum|record|@interface)\\s+(\\w+)", Pattern.DOTALL);

    /** What the javadoc of every type in an internal package says. */
    static final String INTERNAL = "Internal: not API";

    /** Every type in an internal package says so in its javadoc, so nobody mistakes it for API. */
    @Test
    void everyInternalTypeSaysSo() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path file : mainSources(p -> p.toString().contains("/internal/"))) {
            String text = Files.readString(file);
            Matcher m = TYPE_DECLARATION.matcher(text.substring(firstTypeStart(text)));
            if (!m.find() || m.group(1) == null || !m.group(1).replaceAll("\\s*\\*\\s*", " ").contains(INTERNAL)) {
                offenders.add(ROOT.relativize(file).toString());
            }
        }
        assertThat(offenders).as("internal types whose javadoc lacks \"%s\"", INTERNAL).isEmpty();
    }

    /** Where the top-level declaration (with its javadoc) begins: after the package and import lines. */
    private static int firstTypeStart(String text) {
        Matcher m = Pattern.compile("^(?:package|import)\\s[^;]*;\\s*$", Pattern.MULTILINE).matcher(text);
        int end = 0;
        while (m.find()) {
            end = m.end();
        }
        return end;
    }

    /** Adapters only translate: no source file of an adapter module is longer than {@value #MAX_ADAPTER_LINES} lines. */
    @Test
    void noAdapterSourceFileIsLong() throws IOException {
        Set<String> notAdapters = Set.of("core", "testkit", "samples", "bench");
        Map<String, Long> offenders = new TreeMap<>();
        for (Path file : mainSources(p -> !notAdapters.contains(ROOT.relativize(p).getName(0).toString()))) {
            long lines;
            try (Stream<String> s = Files.lines(file)) {
                lines = s.count();
            }
            if (lines > MAX_ADAPTER_LINES) {
                offenders.put(ROOT.relativize(file).toString().replace('\\', '/'), lines);
            }
        }
        assertThat(offenders).as("adapter source files over %d lines", MAX_ADAPTER_LINES).isEmpty();
    }

    private static final Pattern KEY_LITERAL = Pattern.compile("\"(aigw\\.[a-z0-9][a-z0-9.-]*[a-z0-9])\"");
    private static final Pattern KEY_IN_DOCS = Pattern.compile("(?<![\\w.{$])aigw\\.[a-z0-9][a-z0-9.-]*[a-z0-9]");

    /**
     * The README and docs name real settings: every {@code aigw.*} key they mention is one the code reads (a string
     * literal in the main sources, or one of the call options core reads as {@code aigw.<name>}).
     */
    @Test
    void theDocsNameRealSettings() throws IOException {
        Set<String> real = new TreeSet<>();
        for (Path file : mainSources(p -> true)) {
            String text = Files.readString(file);
            KEY_LITERAL.matcher(text).results().forEach(r -> real.add(r.group(1)));
            if (file.endsWith("dev/aigw/OptionSettings.java")) {
                String names = text.substring(text.indexOf("NAMES = {"), text.indexOf("};", text.indexOf("NAMES = {")));
                Pattern.compile("\"([a-z-]+)\"").matcher(names).results().forEach(r -> real.add("aigw." + r.group(1)));
            }
        }
        assertThat(real).as("settings found in the code").contains("aigw.proxy.models", "aigw.cache-ttl");
        Map<String, Set<String>> unknown = new TreeMap<>();
        List<Path> docs;
        try (Stream<Path> files = Files.walk(ROOT)) {
            docs = files.filter(f -> f.toString().endsWith(".md") && !f.toString().contains("/target/")
                    && !f.toString().contains("/node_modules/")).toList();
        }
        for (Path doc : docs) {
            KEY_IN_DOCS.matcher(Files.readString(doc)).results().map(r -> r.group()).filter(k -> !real.contains(k))
                    .forEach(k -> unknown.computeIfAbsent(k, x -> new TreeSet<>()).add(ROOT.relativize(doc).toString()));
        }
        assertThat(unknown).as("aigw.* keys in the docs that no code reads").isEmpty();
    }

    /** {@code dev.aigw.CallOptions.Backoff} is in the file of {@code dev.aigw.CallOptions}; a package: null. */
    private static String topLevelOf(String imported) {
        String[] parts = imported.split("\\.");
        StringBuilder sb = new StringBuilder();
        for (String part : parts) {
            sb.append(sb.length() == 0 ? "" : ".").append(part);
            if (Character.isUpperCase(part.charAt(0))) {
                return sb.toString();
            }
        }
        return null;
    }

    /** {@code a/src/main/java/dev/aigw/X.java} is {@code dev.aigw.X}. */
    private static String sourceClassName(Path file) {
        String s = file.toString().replace('\\', '/');
        s = s.substring(s.indexOf("/src/main/java/") + "/src/main/java/".length(), s.length() - ".java".length());
        return s.replace('/', '.');
    }

    /** The main Java sources of every module under the repository root that match. */
    private static List<Path> mainSources(java.util.function.Predicate<Path> keep) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            for (Path module : modules.filter(m -> Files.isDirectory(m.resolve("src/main/java"))).toList()) {
                try (Stream<Path> files = Files.walk(module.resolve("src/main/java"))) {
                    files.filter(f -> f.toString().endsWith(".java")).filter(keep).forEach(out::add);
                }
            }
        }
        assertThat(out).as("sources under %s", ROOT).isNotEmpty();
        return out;
    }

    /** Tarjan's strongly connected components, iteratively (the graph may be deep). */
    static List<List<String>> stronglyConnected(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new java.util.HashSet<>();
        List<List<String>> out = new ArrayList<>();
        int[] counter = {0};
        for (String start : graph.keySet()) {
            if (index.containsKey(start)) {
                continue;
            }
            Deque<Object[]> work = new ArrayDeque<>();
            work.push(new Object[]{start, graph.getOrDefault(start, Set.of()).iterator()});
            index.put(start, counter[0]);
            low.put(start, counter[0]++);
            stack.push(start);
            onStack.add(start);
            while (!work.isEmpty()) {
                Object[] frame = work.peek();
                String v = (String) frame[0];
                @SuppressWarnings("unchecked")
                java.util.Iterator<String> it = (java.util.Iterator<String>) frame[1];
                if (it.hasNext()) {
                    String w = it.next();
                    if (!index.containsKey(w)) {
                        index.put(w, counter[0]);
                        low.put(w, counter[0]++);
                        stack.push(w);
                        onStack.add(w);
                        work.push(new Object[]{w, graph.getOrDefault(w, Set.of()).iterator()});
                    } else if (onStack.contains(w)) {
                        low.put(v, Math.min(low.get(v), index.get(w)));
                    }
                } else {
                    work.pop();
                    if (!work.isEmpty()) {
                        String parent = (String) work.peek()[0];
                        low.put(parent, Math.min(low.get(parent), low.get(v)));
                    }
                    if (low.get(v).equals(index.get(v))) {
                        List<String> scc = new ArrayList<>();
                        String w;
                        do {
                            w = stack.pop();
                            onStack.remove(w);
                            scc.add(w);
                        } while (!w.equals(v));
                        out.add(scc);
                    }
                }
            }
        }
        return out;
    }
}
