package dev.aigw.reliability;

import dev.aigw.Gateway;
import dev.aigw.jaxrs.AigwFeature;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.Response;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The JAX-RS path: a Jersey 3.1 client (default HttpURLConnection connector) with {@link AigwFeature}. */
final class JaxrsCaller implements Caller {
    static final String API = "https://api.replicate.com/v1";

    private final Client client;
    private final String replicateToken;

    JaxrsCaller(Gateway gateway, String replicateToken, Duration connectTimeout, Duration readTimeout) {
        this.replicateToken = replicateToken;
        this.client = ClientBuilder.newBuilder()
                .connectTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .register(new AigwFeature(gateway)).build();
    }

    @Override
    public String name() {
        return "jaxrs";
    }

    private Invocation.Builder request(String apiPath, String accept) {
        return client.target(API + apiPath).request(accept).header("Authorization", "Bearer " + replicateToken);
    }

    @Override
    public Answer send(String method, String apiPath, String body) {
        long t0 = System.nanoTime();
        int status = 0;
        String type = null;
        try (Response r = body == null ? request(apiPath, "application/json").method(method)
                : request(apiPath, "application/json").method(method, Entity.json(body))) {
            status = r.getStatus();
            type = r.getHeaderString("Content-Type");
            String read = r.readEntity(String.class);
            return new Answer(status, type, read, null, 0, since(t0));
        } catch (RuntimeException e) {
            return new Answer(status, type, null, e, 0, since(t0));
        }
    }

    @Override
    public Answer stream(String apiPath, boolean leaveAfterFirstEvent) {
        long t0 = System.nanoTime();
        int status = 0;
        String type = null;
        int events = 0;
        StringBuilder read = new StringBuilder();
        try (Response r = request(apiPath, "text/event-stream").get()) {
            status = r.getStatus();
            type = r.getHeaderString("Content-Type");
            try (InputStream in = r.readEntity(InputStream.class);
                 BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    read.append(line).append('\n');
                    if (line.startsWith("event:")) {
                        events++;
                    }
                    if (leaveAfterFirstEvent && line.startsWith("event: output")) {
                        break; // closing the stream and the response drops the connection mid-stream
                    }
                }
            }
            return new Answer(status, type, read.toString(), null, events, since(t0));
        } catch (Exception e) {
            return new Answer(status, type, read.toString(), e, events, since(t0));
        }
    }

    static Duration since(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    @Override
    public void close() {
        client.close();
    }
}
