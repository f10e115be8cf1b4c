package dev.aigw.samples.embedded;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedded launcher and the WAR must run the same app: the WAR's context params are the launcher's. */
class WebXmlTest {
    @Test
    void webXmlCarriesExactlyTheSettingsTheLauncherUses() throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        NodeList params = f.newDocumentBuilder().parse(Path.of("src/main/webapp/WEB-INF/web.xml").toFile())
                .getElementsByTagNameNS("*", "context-param");
        Map<String, String> inWar = new HashMap<>();
        for (int i = 0; i < params.getLength(); i++) {
            Element p = (Element) params.item(i);
            inWar.put(text(p, "param-name"), text(p, "param-value"));
        }
        assertThat(inWar).isEqualTo(EmbeddedApp.WEB_XML_SETTINGS);
    }

    private static String text(Element parent, String name) {
        return parent.getElementsByTagNameNS("*", name).item(0).getTextContent().strip();
    }
}
