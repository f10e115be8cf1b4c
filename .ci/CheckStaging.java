import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Checks what the release profile staged (java .ci/CheckStaging.java target/staging [--signed]): exactly the published
 * artifacts, each POM with the metadata Maven Central requires, each jar with its sources and javadoc jars and its
 * module name (module-info.class, or Automatic-Module-Name), the BOM without a parent, checksums that match, and signatures when asked for.
 */
public class CheckStaging {
    static final String GROUP = "dev/aigw";
    static final Set<String> JARS = Set.of("aigw-core", "aigw-jaxrs", "aigw-httpclient", "aigw-servlet",
            "aigw-opentelemetry", "aigw-testkit");
    static final Set<String> PUBLISHED = union(JARS, Set.of("aigw-parent", "aigw-bom"));
    static final List<String> problems = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        Path staging = Path.of(args.length > 0 ? args[0] : "target/staging");
        boolean signed = List.of(args).contains("--signed");
        Path group = staging.resolve(GROUP);
        if (!Files.isDirectory(group)) {
            System.err.println("nothing staged under " + group);
            System.exit(1);
        }
        Set<String> staged = new TreeSet<>();
        try (Stream<Path> s = Files.list(group)) {
            s.forEach(p -> staged.add(p.getFileName().toString()));
        }
        if (!staged.equals(new TreeSet<>(PUBLISHED))) {
            problems.add("staged " + staged + ", expected exactly " + new TreeSet<>(PUBLISHED));
        }
        for (String artifact : PUBLISHED) {
            Path dir = versionDir(group.resolve(artifact));
            if (dir == null) {
                continue;
            }
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(Files::isRegularFile).toList();
            }
            Path pom = one(files, artifact, ".pom");
            if (pom != null) {
                checkPom(artifact, pom);
            }
            if (JARS.contains(artifact)) {
                Path jar = one(files, artifact, ".jar");
                Path sources = one(files, artifact, "-sources.jar");
                Path javadoc = one(files, artifact, "-javadoc.jar");
                if (jar != null) {
                    String expected = "dev.aigw." + artifact.substring("aigw-".length());
                    String name = moduleName(jar);
                    if (!expected.equals(name)) {
                        problems.add(jar.getFileName() + ": module name " + name + ", expected " + expected
                                + " (from module-info.class, or Automatic-Module-Name without one)");
                    }
                }
                if (sources != null) {
                    requireEntry(sources, ".java");
                }
                if (javadoc != null) {
                    requireEntry(javadoc, "index.html");
                }
            }
            for (Path f : files) {
                String n = f.getFileName().toString();
                if (n.endsWith(".jar") || n.endsWith(".pom")) {
                    checksum(f, "md5", "MD5");
                    checksum(f, "sha1", "SHA-1");
                    if (signed && !Files.exists(Path.of(f + ".asc"))) {
                        problems.add(n + ": no signature (.asc)");
                    }
                }
            }
        }
        if (problems.isEmpty()) {
            System.out.println("staging OK: " + staged + " in " + staging);
        } else {
            problems.forEach(p -> System.err.println("staging: " + p));
            System.exit(1);
        }
    }

    static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new TreeSet<>(a);
        u.addAll(b);
        return Set.copyOf(u);
    }

    /** The artifact's only version directory. */
    static Path versionDir(Path artifactDir) throws Exception {
        if (!Files.isDirectory(artifactDir)) {
            return null;
        }
        List<Path> versions;
        try (Stream<Path> s = Files.list(artifactDir)) {
            versions = s.filter(Files::isDirectory).toList();
        }
        if (versions.size() != 1) {
            problems.add(artifactDir.getFileName() + ": expected one version, found " + versions);
            return null;
        }
        return versions.get(0);
    }

    /** The one file named {@code <artifact>-<version><suffix>} (a SNAPSHOT's version is timestamped). */
    static Path one(List<Path> files, String artifact, String suffix) {
        List<Path> m = files.stream().filter(p -> {
            String n = p.getFileName().toString();
            if (!n.startsWith(artifact + "-") || !n.endsWith(suffix)) {
                return false;
            }
            String version = n.substring(artifact.length() + 1, n.length() - suffix.length());
            return version.matches("\\d[\\w.]*(-\\d{8}\\.\\d{6}-\\d+)?");
        }).toList();
        if (m.size() != 1) {
            problems.add(artifact + ": expected one *" + suffix + ", found " + m);
            return null;
        }
        return m.get(0);
    }

    static void checkPom(String artifact, Path pom) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(false);
        Document d = f.newDocumentBuilder().parse(pom.toFile());
        Element p = d.getDocumentElement();
        for (String path : List.of("name", "description", "url", "licenses/license/name", "licenses/license/url",
                "developers/developer/name", "scm/url", "scm/connection", "scm/developerConnection")) {
            String v = text(p, path);
            boolean inherited = !artifact.equals("aigw-parent") && !artifact.equals("aigw-bom")
                    && !path.equals("name") && !path.equals("description");
            if (v == null && !(inherited && text(p, "parent/artifactId") != null)) {
                problems.add(pom.getFileName() + ": no <" + path + ">");
            }
        }
        if (artifact.equals("aigw-parent") && !"Apache-2.0".equals(text(p, "licenses/license/name"))) {
            problems.add(pom.getFileName() + ": license is not Apache-2.0");
        }
        if (artifact.equals("aigw-bom")) {
            if (text(p, "parent/artifactId") != null) {
                problems.add(pom.getFileName() + ": the BOM has a parent (its dependency management would leak)");
            }
            Set<String> managed = new TreeSet<>();
            NodeList deps = p.getElementsByTagName("artifactId");
            for (int i = 0; i < deps.getLength(); i++) {
                if (deps.item(i).getParentNode().getNodeName().equals("dependency")) {
                    managed.add(deps.item(i).getTextContent().strip());
                }
            }
            if (!managed.equals(new TreeSet<>(JARS))) {
                problems.add(pom.getFileName() + ": manages " + managed + ", expected " + new TreeSet<>(JARS));
            }
        }
    }

    static String text(Element e, String path) {
        Element cur = e;
        for (String part : path.split("/")) {
            Element next = null;
            NodeList children = cur.getChildNodes();
            for (int i = 0; i < children.getLength(); i++) {
                if (children.item(i) instanceof Element c && c.getTagName().equals(part)) {
                    next = c;
                    break;
                }
            }
            if (next == null) {
                return null;
            }
            cur = next;
        }
        String t = cur.getTextContent().strip();
        return t.isEmpty() ? null : t;
    }

    /**
     * The module name a jar declares: an explicit module's (its {@code module-info.class}), else its manifest's
     * {@code Automatic-Module-Name}; null when it declares none (a name derived from the file name does not count).
     */
    static String moduleName(Path jar) throws Exception {
        java.lang.module.ModuleDescriptor d = java.lang.module.ModuleFinder.of(jar).findAll().stream()
                .map(java.lang.module.ModuleReference::descriptor).findFirst().orElse(null);
        if (d != null && !d.isAutomatic()) {
            return d.name();
        }
        try (JarFile j = new JarFile(jar.toFile())) {
            return j.getManifest() == null ? null : j.getManifest().getMainAttributes().getValue("Automatic-Module-Name");
        }
    }

    static void requireEntry(Path jar, String suffix) throws Exception {
        try (JarFile j = new JarFile(jar.toFile())) {
            if (j.stream().noneMatch(e -> e.getName().endsWith(suffix))) {
                problems.add(jar.getFileName() + ": no *" + suffix + " inside");
            }
        }
    }

    static void checksum(Path file, String ext, String algorithm) throws Exception {
        Path sum = Path.of(file + "." + ext);
        if (!Files.exists(sum)) {
            problems.add(file.getFileName() + ": no ." + ext);
            return;
        }
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(Files.readAllBytes(file)));
        if (!Files.readString(sum).strip().startsWith(expected)) {
            problems.add(file.getFileName() + ": ." + ext + " does not match");
        }
    }
}
