package dev.aigw.architecture;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every published module has its JPMS name, and the modules with a descriptor export their API packages only: an
 * internal package is not exported, or only to aigw's own modules. Read from the built jars (or class directories)
 * on this module's class path, as an application's module path would read them.
 */
class ModulesTest {
    /** A class of each module, by which its jar is found, and the module's name. */
    private static final Map<String, String> MODULES = Map.of(
            "dev/aigw/Gateway.class", "dev.aigw.core",
            "dev/aigw/httpclient/AigwHttpClient.class", "dev.aigw.httpclient",
            "dev/aigw/opentelemetry/AigwTelemetry.class", "dev.aigw.opentelemetry",
            "dev/aigw/testkit/FakeReplicate.class", "dev.aigw.testkit",
            "dev/aigw/jaxrs/AigwFeature.class", "dev.aigw.jaxrs",
            "dev/aigw/servlet/AigwProxyFilter.class", "dev.aigw.servlet");
    /** Modules without a descriptor, named by Automatic-Module-Name (ARCHITECTURE.md RATIONALE says why). */
    private static final Set<String> AUTOMATIC = Set.of("dev.aigw.jaxrs", "dev.aigw.servlet");

    @Test
    void everyModuleHasItsName() throws IOException {
        for (Map.Entry<String, String> m : MODULES.entrySet()) {
            Path root = root(m.getKey());
            if (AUTOMATIC.contains(m.getValue())) {
                assertThat(descriptor(root)).as("%s has no descriptor", m.getValue()).isNull();
                assertThat(automaticName(root)).as("Automatic-Module-Name of %s", root).isEqualTo(m.getValue());
            } else {
                ModuleDescriptor d = descriptor(root);
                assertThat(d).as("module-info.class in %s", root).isNotNull();
                assertThat(d.name()).isEqualTo(m.getValue());
            }
        }
    }

    @Test
    void internalPackagesAreNotExportedBeyondAigw() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Map.Entry<String, String> m : MODULES.entrySet()) {
            ModuleDescriptor d = descriptor(root(m.getKey()));
            if (d != null) {
                offenders.addAll(offenders(d));
            }
        }
        assertThat(offenders).isEmpty();
    }

    @Test
    void theExportCheckFindsLeaks() {
        ModuleDescriptor leaky = ModuleDescriptor.newModule("dev.aigw.leaky").packages(Set.of("dev.aigw.leaky",
                "dev.aigw.leaky.internal", "dev.aigw.leaky.hidden", "dev.aigw.leaky.internal.deep"))
                .exports("dev.aigw.leaky.internal").exports("dev.aigw.leaky.internal.deep", Set.of("com.example"))
                .opens("dev.aigw.leaky").exports("dev.aigw.leaky").build();
        assertThat(offenders(leaky)).containsExactlyInAnyOrder("dev.aigw.leaky opens dev.aigw.leaky",
                "dev.aigw.leaky exports dev.aigw.leaky.internal",
                "dev.aigw.leaky exports dev.aigw.leaky.internal.deep to [com.example]",
                "dev.aigw.leaky keeps the API package dev.aigw.leaky.hidden to itself");
    }

    /** Internal packages exported beyond aigw's modules, API packages not exported, packages opened. */
    static List<String> offenders(ModuleDescriptor d) {
        List<String> out = new ArrayList<>();
        d.opens().forEach(o -> out.add(d.name() + " opens " + o));
        for (ModuleDescriptor.Exports e : d.exports()) {
            if (internal(e.source()) && (!e.isQualified() || !e.targets().stream().allMatch(t -> t.startsWith("dev.aigw.")))) {
                out.add(d.name() + " exports " + e);
            }
        }
        Set<String> exported = d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        for (String p : d.packages()) {
            if (!exported.contains(p) && !internal(p)) {
                out.add(d.name() + " keeps the API package " + p + " to itself");
            }
        }
        return out;
    }

    private static boolean internal(String pkg) {
        return pkg.endsWith(".internal") || pkg.contains(".internal.");
    }

    /** The check above can fail: core's internals are in the jar and exported to aigw's adapters only. */
    @Test
    void coreSharesItsInternalsWithTheAdaptersOnly() throws IOException {
        ModuleDescriptor core = descriptor(root("dev/aigw/Gateway.class"));
        assertThat(core.packages()).contains("dev.aigw", "dev.aigw.internal");
        assertThat(core.exports()).filteredOn(e -> e.source().equals("dev.aigw.internal")).singleElement()
                .satisfies(e -> assertThat(e.targets()).containsExactlyInAnyOrder("dev.aigw.jaxrs", "dev.aigw.servlet",
                        "dev.aigw.httpclient", "dev.aigw.opentelemetry"));
        assertThat(core.exports()).filteredOn(e -> e.source().equals("dev.aigw")).singleElement()
                .satisfies(e -> assertThat(e.isQualified()).isFalse());
    }

    /** What the class path finds in META-INF/services, the module path finds in {@code provides}. */
    @Test
    void servicesAreDeclaredOnBothPaths() throws IOException {
        for (Map.Entry<String, String> m : MODULES.entrySet()) {
            Path root = root(m.getKey());
            ModuleDescriptor d = descriptor(root);
            if (d == null) {
                continue;
            }
            Set<String> files = new TreeSet<>();
            for (Map.Entry<String, List<String>> s : serviceFiles(root).entrySet()) {
                s.getValue().forEach(impl -> files.add(s.getKey() + " with " + impl));
            }
            Set<String> provides = new TreeSet<>();
            d.provides().forEach(p -> p.providers().forEach(impl -> provides.add(p.service() + " with " + impl)));
            assertThat(provides).as("provides of %s", d.name()).isEqualTo(files);
        }
        ModuleDescriptor core = descriptor(root("dev/aigw/Gateway.class"));
        assertThat(core.uses()).contains("dev.aigw.ExchangeObserver");
    }

    /** The jar or class directory a resource of the class path comes from. */
    private static Path root(String resource) throws IOException {
        URL url = ModulesTest.class.getClassLoader().getResource(resource);
        assertThat(url).as(resource).isNotNull();
        String s = url.toString();
        try {
            if (s.startsWith("jar:")) {
                return Path.of(new java.net.URI(s.substring(4, s.indexOf("!/"))));
            }
            Path p = Path.of(url.toURI());
            for (int i = resource.split("/").length; i > 0; i--) {
                p = p.getParent();
            }
            return p;
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
    }

    /** The module descriptor of a jar or class directory, or null when it has none. */
    private static ModuleDescriptor descriptor(Path root) throws IOException {
        if (Files.isDirectory(root)) {
            Path info = root.resolve("module-info.class");
            if (!Files.exists(info)) {
                return null;
            }
            try (InputStream in = Files.newInputStream(info)) {
                return ModuleDescriptor.read(in);
            }
        }
        try (JarFile jar = new JarFile(root.toFile())) {
            var entry = jar.getJarEntry("module-info.class");
            if (entry == null) {
                return null;
            }
            try (InputStream in = jar.getInputStream(entry)) {
                return ModuleDescriptor.read(in);
            }
        }
    }

    /** Automatic-Module-Name of a jar; of a class directory, the one its module's build writes into the jar. */
    private static String automaticName(Path root) throws IOException {
        if (Files.isDirectory(root)) {
            String pom = Files.readString(root.getParent().getParent().resolve("pom.xml"));
            int start = pom.indexOf("<Automatic-Module-Name>");
            return start < 0 ? null : pom.substring(start + 23, pom.indexOf("</Automatic-Module-Name>"));
        }
        try (JarFile jar = new JarFile(root.toFile())) {
            Manifest mf = jar.getManifest();
            return mf == null ? null : mf.getMainAttributes().getValue("Automatic-Module-Name");
        }
    }

    private static Map<String, List<String>> serviceFiles(Path root) throws IOException {
        Map<String, List<String>> out = new java.util.TreeMap<>();
        if (Files.isDirectory(root)) {
            Path dir = root.resolve("META-INF/services");
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        out.put(f.getFileName().toString(), providers(Files.readString(f)));
                    }
                }
            }
            return out;
        }
        try (JarFile jar = new JarFile(root.toFile())) {
            for (var e : java.util.Collections.list(jar.entries())) {
                String n = e.getName();
                if (n.startsWith("META-INF/services/") && !e.isDirectory()) {
                    try (InputStream in = jar.getInputStream(e)) {
                        out.put(n.substring("META-INF/services/".length()),
                                providers(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)));
                    }
                }
            }
        }
        return out;
    }

    private static List<String> providers(String file) {
        return file.lines().map(l -> l.replaceAll("#.*", "").strip()).filter(l -> !l.isEmpty()).toList();
    }
}
