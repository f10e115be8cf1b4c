package dev.aigw.servlet.suite;

import com.fasterxml.jackson.core.JsonFactory;
import dev.aigw.Gateway;
import dev.aigw.servlet.AigwInitializer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * An exploded WAR as a team would ship it after adding aigw: its own servlet and {@code web.xml}, plus aigw's jars
 * in {@code WEB-INF/lib} and aigw's settings as context-params. Nothing of aigw is registered by hand.
 */
public final class WarBuilder {
    private WarBuilder() {
    }

    public static Path build(Path dir, Map<String, String> settings) throws IOException, URISyntaxException {
        Path lib = Files.createDirectories(dir.resolve("WEB-INF/lib"));
        jarOf(AigwInitializer.class, lib.resolve("aigw-servlet.jar"));
        jarOf(Gateway.class, lib.resolve("aigw-core.jar"));
        jarOf(JsonFactory.class, lib.resolve("jackson-core.jar"));
        String servlet = WarWebhookServlet.class.getName().replace('.', '/') + ".class";
        Path classes = dir.resolve("WEB-INF/classes");
        Path target = classes.resolve(servlet);
        Files.createDirectories(target.getParent());
        try (var in = WarWebhookServlet.class.getClassLoader().getResourceAsStream(servlet)) {
            Files.copy(in, target);
        }
        StringBuilder xml = new StringBuilder("""
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee"
                         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                         xsi:schemaLocation="https://jakarta.ee/xml/ns/jakartaee https://jakarta.ee/xml/ns/jakartaee/web-app_6_0.xsd"
                         version="6.0">
                """);
        settings.forEach((k, v) -> xml.append("  <context-param><param-name>").append(k)
                .append("</param-name><param-value>").append(v).append("</param-value></context-param>\n"));
        xml.append("""
                  <servlet>
                    <servlet-name>webhooks</servlet-name>
                    <servlet-class>%s</servlet-class>
                  </servlet>
                  <servlet-mapping>
                    <servlet-name>webhooks</servlet-name>
                    <url-pattern>/webhooks/replicate</url-pattern>
                  </servlet-mapping>
                </web-app>
                """.formatted(WarWebhookServlet.class.getName()));
        Files.writeString(dir.resolve("WEB-INF/web.xml"), xml, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("index.html"), "<p>a web application</p>", StandardCharsets.UTF_8);
        return dir;
    }

    /** The jar a class came from, or — when it came from a build's classes directory — a jar of that directory. */
    static void jarOf(Class<?> c, Path out) throws IOException, URISyntaxException {
        Path src = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isRegularFile(src)) {
            Files.copy(src, out);
            return;
        }
        try (OutputStream os = Files.newOutputStream(out); JarOutputStream jar = new JarOutputStream(os);
             Stream<Path> files = Files.walk(src)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                jar.putNextEntry(new JarEntry(src.relativize(p).toString().replace('\\', '/')));
                Files.copy(p, jar);
                jar.closeEntry();
            }
        }
    }

    static List<String> names(Path war) throws IOException {
        try (Stream<Path> s = Files.walk(war)) {
            return s.map(p -> war.relativize(p).toString()).sorted().toList();
        }
    }
}
