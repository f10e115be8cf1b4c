package dev.aigw.samples.embedded;

import dev.aigw.GatewayConfigurationException;
import dev.aigw.Settings;
import dev.aigw.samples.Call;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code ./demo}: runs the sample app on embedded Jetty at {@code http://127.0.0.1:8080} (or {@code --port N},
 * or {@code PORT}).
 *
 * <p>With no credentials it starts the testkit's fake Replicate and fake AI Gateway in-process and points aigw at
 * them, so it works offline. With a gateway configured ({@code AIGW_ACCOUNT_ID} + {@code AIGW_GATEWAY_ID}, or
 * {@code AIGW_BASE_URL}) and {@code REPLICATE_API_TOKEN} set, it uses the real services. It prints where to look and
 * one line per call; Ctrl-C stops it. Each call is traced with OpenTelemetry ({@link DemoTelemetry}): its trace id is
 * on the page, and with {@code OTEL_EXPORTER_OTLP_ENDPOINT} set the spans and metrics go to that OTLP endpoint.
 */
public final class Main {
    static final int DEFAULT_PORT = 8080;
    /** Loopback only: the proxy spends the server's Replicate token for anyone who can reach it. */
    static final String HOST = "127.0.0.1";

    /** Held so that their levels stay set (java.util.logging keeps loggers only weakly). */
    private static final List<Logger> QUIETED = new ArrayList<>();

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        quietLogs();
        PrintStream out = System.out;
        int port;
        try {
            port = port(args, System.getenv("PORT"));
        } catch (IllegalArgumentException e) {
            System.err.println("aigw demo: " + e.getMessage());
            System.exit(2);
            return;
        }
        Settings env = Settings.system();
        boolean gatewaySet = env.get("aigw.base-url") != null
                || env.get("aigw.account-id") != null || env.get("aigw.gateway-id") != null;
        boolean tokenSet = env.get("replicate.api-token") != null;
        if (gatewaySet != tokenSet) {
            System.err.println("aigw demo: for the real services set both the gateway (AIGW_ACCOUNT_ID and "
                    + "AIGW_GATEWAY_ID, plus AIGW_TOKEN for an authenticated gateway) and REPLICATE_API_TOKEN; "
                    + "set neither for the offline demo. Missing: "
                    + (gatewaySet ? "REPLICATE_API_TOKEN" : "AIGW_ACCOUNT_ID and AIGW_GATEWAY_ID"));
            System.exit(2);
            return;
        }
        DemoTelemetry telemetry = DemoTelemetry.start(System::getenv);
        DemoServices fakes = gatewaySet ? null : DemoServices.start();
        EmbeddedApp app;
        try {
            app = EmbeddedApp.start(HOST, port, uri -> fakes == null ? Map.of() : fakes.settings(uri));
        } catch (Exception e) {
            if (fakes != null) {
                fakes.close();
            }
            telemetry.close();
            GatewayConfigurationException bad = configurationProblem(e);
            if (bad != null) { // a bad aigw.* value: aigw's one line says which, where from, and what is allowed
                System.err.println("aigw demo: " + bad.getMessage());
                System.exit(2);
            } else if (e instanceof IOException) {
                System.err.println("aigw demo: cannot listen on " + HOST + ":" + port + " (" + e.getMessage()
                        + "). Is another program using it? Choose another port: ./demo --port 8081 (or PORT=8081 "
                        + "./demo)");
                System.exit(1);
            }
            throw e;
        }
        app.calls().subscribe(call -> out.println(call.line()));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                app.close();
            } catch (RuntimeException e) {
                System.err.println("aigw demo: " + e.getMessage()); // stopping anyway
            }
            if (fakes != null) {
                fakes.close();
            }
            telemetry.close(); // exports what is still buffered
            out.println("aigw demo stopped.");
        }, "samples-shutdown"));
        out.print(banner(app.uri(), fakes, telemetry.endpoint()));
        app.join();
    }

    private static GatewayConfigurationException configurationProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof GatewayConfigurationException g) {
                return g;
            }
        }
        return null;
    }

    /** One line per log record, and only what matters for the demo: aigw's start-up lines, warnings, errors. */
    private static void quietLogs() {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%6$s%n");
        for (String name : List.of("org.eclipse.jetty",
                // "no jakarta.activation for DataSource": a provider this app does not use
                "org.glassfish.jersey.message.internal.MessagingBinders")) {
            Logger l = Logger.getLogger(name);
            l.setLevel(name.startsWith("org.eclipse") ? Level.WARNING : Level.SEVERE);
            QUIETED.add(l);
        }
    }

    static String banner(URI app, DemoServices fakes, String otlp) {
        StringBuilder sb = new StringBuilder();
        sb.append('\n');
        sb.append("  aigw demo").append(fakes == null ? " - real Replicate through your Cloudflare AI Gateway"
                : " - offline: fake Replicate and fake AI Gateway in this process").append("\n\n");
        sb.append("  page     ").append(app).append("/\n");
        sb.append("  proxy    ").append(app).append("/replicate/...   (Replicate's API, through aigw)\n");
        if (fakes != null) {
            sb.append("  webhook  ").append(app).append(DemoServices.WEBHOOK_PATH).append("   (verified by aigw)\n");
            sb.append("  gateway  ").append(fakes.gateway().baseUrl()).append("   (fake)\n");
            sb.append("  replicate ").append(fakes.replicate().baseUrl()).append("  (fake)\n");
        }
        sb.append("  traces   ").append(otlp != null ? "OpenTelemetry, exported to " + otlp
                : "OpenTelemetry trace ids on the page (set OTEL_EXPORTER_OTLP_ENDPOINT to export them)").append('\n');
        sb.append('\n');
        sb.append("  Try it:  curl -H 'X-Demo-User: alice' -H 'Prefer: wait' -H 'Content-Type: application/json' \\\n");
        sb.append("             -d '{\"input\":{\"prompt\":\"hi\"}}' \\\n");
        sb.append("             ").append(app).append("/replicate/models/")
                .append(fakes != null ? DemoServices.HAIKU : "meta/meta-llama-3-8b-instruct").append("/predictions\n");
        sb.append("  Ctrl-C stops it. One line per call follows:\n\n");
        return sb.toString();
    }

    /** {@code --port N} wins over {@code PORT}; default 8080. */
    static int port(String[] args, String env) {
        String value = env;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--port") && i + 1 < args.length) {
                value = args[++i];
            } else if (args[i].startsWith("--port=")) {
                value = args[i].substring("--port=".length());
            } else {
                throw new IllegalArgumentException("unknown argument '" + args[i] + "'; usage: ./demo [--port N]");
            }
        }
        if (value == null || value.isBlank()) {
            return DEFAULT_PORT;
        }
        try {
            int p = Integer.parseInt(value.strip());
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("port must be a number from 1 to 65535, not '" + value + "'");
    }
}
