package dev.aigw.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code decodePaths()}: the fake gateway acts on what a path means, as a normalising server would. */
class GatewayDecodingTest {
    @RegisterExtension
    static final TestkitExtension kit = TestkitExtension.create()
            .openGateway().gateway(FakeGateway.Builder::decodePaths);
    final FakeReplicate replicate = kit.replicate();
    final FakeGateway gateway = kit.gateway();

    @Test
    void encodedDotsSlashesAndParametersAreResolvedBeforeRouting() throws Exception {
        String root = "/v1/" + FakeGateway.DEFAULT_ACCOUNT + "/" + FakeGateway.DEFAULT_GATEWAY + "/replicate";
        for (String spelling : new String[]{"/predictions/%2e%2e/account", "/predictions%2F..%2Faccount",
                "//account/", "/x;y=1/..\\account", "/%61ccount"}) {
            gateway.reset();
            replicate.reset();
            assertThat(rawGet(root + spelling)).as(spelling).isEqualTo(200);
            assertThat(gateway.requests()).singleElement().satisfies(g -> assertThat(g.providerPath())
                    .isEqualTo("/account"));
            assertThat(replicate.requests()).singleElement().satisfies(r -> assertThat(r.path()).isEqualTo("/v1/account"));
        }
    }

    private int rawGet(String path) throws Exception {
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + FakeReplicate.DEFAULT_TOKEN
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1))
                    .readLine();
            return Integer.parseInt(status.split(" ")[1]);
        }
    }
}
