package dev.aigw.dist;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/** The module's WAR with its {@code web.xml} placeholders filled in (the fakes' addresses and secrets). */
final class TestWar {
    private TestWar() {
    }

    static Path configure(Path war, Path out, Map<String, String> values) throws IOException {
        try (InputStream fin = Files.newInputStream(war); ZipInputStream in = new ZipInputStream(fin);
             OutputStream fout = Files.newOutputStream(out); ZipOutputStream zout = new ZipOutputStream(fout)) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                byte[] bytes = in.readAllBytes();
                if (e.getName().equals("WEB-INF/web.xml")) {
                    String xml = new String(bytes, StandardCharsets.UTF_8);
                    for (Map.Entry<String, String> v : values.entrySet()) {
                        xml = xml.replace("@" + v.getKey() + "@", v.getValue());
                    }
                    if (xml.matches("(?s).*@[A-Z_]+@.*")) {
                        throw new IllegalStateException("web.xml placeholder left unset: " + xml);
                    }
                    bytes = xml.getBytes(StandardCharsets.UTF_8);
                }
                zout.putNextEntry(new ZipEntry(e.getName()));
                zout.write(bytes);
                zout.closeEntry();
            }
        }
        return out;
    }
}
