package dev.aigw.dist;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Tomcat from its distribution archive, run by its own {@code bin/catalina.sh run} with a {@code CATALINA_BASE} of
 * its own. The distribution's {@code server.xml} is kept, with three changes: the HTTP connector on a free loopback
 * port, no shutdown port, and the engine's background check every second (so that a WAR dropped in or removed is
 * deployed or undeployed at once instead of within ten seconds). Its bundled applications are not deployed.
 */
final class Tomcat extends Distribution {
    Tomcat(String name, Path home, Path work, Path javaHome) throws Exception {
        super(name, home, work, javaHome);
    }

    @Override
    void prepare() throws Exception {
        copyTree(home.resolve("conf"), base.resolve("conf"));
        for (String d : List.of("logs", "temp", "webapps", "work")) {
            Files.createDirectories(base.resolve(d));
        }
        Path serverXml = base.resolve("conf/server.xml");
        String xml = Files.readString(serverXml, StandardCharsets.UTF_8);
        String changed = xml.replace("<Server port=\"8005\"", "<Server port=\"-1\"")
                .replace("<Connector port=\"8080\"", "<Connector address=\"127.0.0.1\" port=\"" + port + "\"")
                .replace("<Engine name=\"Catalina\" defaultHost=\"localhost\">",
                        "<Engine name=\"Catalina\" defaultHost=\"localhost\" backgroundProcessorDelay=\"1\">");
        if (changed.equals(xml) || !changed.contains("port=\"" + port + "\"") || !changed.contains("port=\"-1\"")
                || !changed.contains("backgroundProcessorDelay")) {
            throw new IllegalStateException(name + ": server.xml is not laid out as expected");
        }
        Files.writeString(serverXml, changed, StandardCharsets.UTF_8);
    }

    @Override
    List<String> command() {
        return List.of("sh", home.resolve("bin/catalina.sh").toString(), "run");
    }

    @Override
    Map<String, String> environment() {
        return Map.of("CATALINA_HOME", home.toString(), "CATALINA_BASE", base.toString(),
                "CATALINA_OPTS", jvmOptions());
    }

    @Override
    Path deployDirectory() {
        return base.resolve("webapps");
    }
}
