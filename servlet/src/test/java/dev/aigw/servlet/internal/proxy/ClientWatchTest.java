package dev.aigw.servlet.internal.proxy;

import dev.aigw.Gateway;
import dev.aigw.servlet.internal.ServletSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ClientWatchTest {
    private static final String HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
            + "   uid  timeout inode";

    @Test
    void aRequestsAddressesMatchTheTablesWhateverTheirSpelling() {
        String v4 = ClientWatch.key("127.0.0.1", 8080, "10.1.2.3", 40000);
        assertThat(v4).isEqualTo("7f000001:8080>0a010203:40000");
        // a dual-stack socket: the servlet API and the table may spell the IPv4 address mapped into IPv6
        assertThat(ClientWatch.key("::ffff:127.0.0.1", 8080, "[::ffff:10.1.2.3]", 40000)).isEqualTo(v4);
        assertThat(ClientWatch.key("::1", 443, "fe80::1%eth0", 5)).isEqualTo(
                "00000000000000000000000000000001:443>fe800000000000000000000000000001:5");
    }

    @Test
    void anAddressThatIsNotALiteralIsNeverLookedUp() {
        assertThat(ClientWatch.key("127.0.0.1", 8080, "localhost", 40000)).isNull();
        assertThat(ClientWatch.key("127.0.0.1", 8080, "deadbeef", 40000)).isNull();
        assertThat(ClientWatch.key(null, 8080, "10.1.2.3", 40000)).isNull();
        assertThat(ClientWatch.key("127.0.0.1", 8080, "10.1.2.3", -1)).as("no port: not a TCP connection").isNull();
    }

    @Test
    void theTablesAreReadInTheHostsByteOrder(@TempDir Path dir) throws Exception {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the sample lines are a little-endian host's");
        Path tcp = Files.writeString(dir.resolve("tcp"), HEADER + "\n"
                + "   0: 0100007F:1F90 0302010A:9C40 01 00000000:00000000 00:00000000 00000000  1000  0 1 1\n"
                + "   1: 0100007F:1F91 0302010A:9C41 08 00000000:00000000 00:00000000 00000000  1000  0 2 1\n");
        Path tcp6 = Files.writeString(dir.resolve("tcp6"), HEADER + "\n"
                + "   0: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000402010A:9C40 08 0:0 0:0 0 0 0 3\n"
                + "   1: 00000000000000000000000001000000:01BB 000080FE000000000000000001000000:0005 01 0:0 0:0 0 0 0 4\n"
                + "garbage\n");
        Map<String, String> states = ClientWatch.states(List.of(tcp, tcp6), Set.of("8080", "443"));
        assertThat(states).containsExactlyInAnyOrderEntriesOf(Map.of(
                "7f000001:8080>0a010203:40000", "01",
                "7f000001:8080>0a010204:40000", "08", // IPv4 mapped into IPv6 reads as IPv4
                "00000000000000000000000000000001:443>fe800000000000000000000000000001:5", "01"));
        // port 8081 was not asked for
        assertThat(ClientWatch.states(List.of(tcp), Set.of())).isEmpty();
    }

    /** The real table: a connection the client closed leaves ESTABLISHED on the server's side. */
    @Test
    void aConnectionTheClientClosedIsNoLongerEstablished() throws Exception {
        List<Path> tables = ClientWatch.TABLES.stream().filter(Files::isReadable).toList();
        assumeTrue(!tables.isEmpty(), "no /proc/net/tcp here (not Linux)");
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket client = new Socket(listener.getInetAddress(), listener.getLocalPort());
            try (Socket server = listener.accept()) {
                String key = ClientWatch.key(server.getLocalAddress().getHostAddress(), server.getLocalPort(),
                        server.getInetAddress().getHostAddress(), server.getPort());
                Set<String> port = Set.of(Integer.toString(server.getLocalPort()));
                assertThat(ClientWatch.states(tables, port)).containsEntry(key, "01");
                client.close();
                String state = "01";
                long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while ("01".equals(state) && System.nanoTime() < end) {
                    Thread.sleep(10);
                    state = ClientWatch.states(tables, port).get(key);
                }
                assertThat(state).as("the server's side once the client closed").isEqualTo("08"); // CLOSE_WAIT
            }
        }
    }

    /** {@code aigw.proxy.client-watch=false} turns the watch off; it is on by default wherever the tables exist. */
    @Test
    void theSettingTurnsTheWatchOff() {
        assumeTrue(ClientWatch.TABLES.stream().anyMatch(Files::isReadable), "no /proc/net/tcp here (not Linux)");
        try (Gateway gateway = Gateway.builder().baseUrl("https://ai.example.test").build()) {
            for (Map.Entry<String, Boolean> c : Map.of("", true, "true", true, "FALSE", false, "false", false)
                    .entrySet()) {
                Map<String, String> settings = c.getKey().isEmpty() ? Map.of("aigw.proxy.path", "/replicate")
                        : Map.of("aigw.proxy.path", "/replicate", "aigw.proxy.client-watch", c.getKey());
                ProxySettings d = ProxySettings.fromSettings(ServletSettings.of(settings), null);
                d.gateway(gateway);
                ProxyConfig cfg = d.resolve(null);
                try {
                    assertThat(cfg.clientWatch().watches()).as("aigw.proxy.client-watch=%s", c.getKey())
                            .isEqualTo(c.getValue());
                } finally {
                    cfg.release();
                }
            }
        }
    }
}
