package dev.aigw.reliability;

import dev.aigw.ExchangeListener;
import dev.aigw.ExchangeRecord;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Collects everything aigw could leak a secret through, by channel, and finds secrets in it in the forms a leak takes:
 * as is (also ignoring case), Base64 (standard and URL-safe), URL-encoded and hex. Channels: log lines
 * (java.util.logging, where {@code System.Logger} goes, with stack traces: aigw's loggers at every level, everything
 * else at INFO and above), the process's stdout/stderr, exchange records ({@code toString} and the JSON-lines form),
 * exception messages with causes and stack traces, and HTTP answers (status, headers, body).
 * <p>
 * Not aigw's loggers below INFO: the JDK's {@code HttpURLConnection} (Jersey's default connector) logs every request
 * header, both tokens included, at FINE by design; that is the platform's, and docs/RELIABILITY.md says so.
 */
final class SecretScanner implements AutoCloseable {
    /** One channel's captured text. */
    enum Channel { LOG, CONSOLE, RECORD, EXCEPTION, RESPONSE }

    /** A secret found: where, in which form, and the surrounding text (with the secret masked). */
    record Finding(Channel channel, String secretName, String form, String context) {
    }

    private final Map<String, String> secrets;
    private final List<String[]> captured = new CopyOnWriteArrayList<>(); // {channel, text}
    private final Handler logHandler;
    private final Logger root = Logger.getLogger("");
    private final Logger aigw = Logger.getLogger("dev.aigw");
    private final Level aigwLevel;
    private final PrintStream out;
    private final PrintStream err;
    private final ExchangeListener json;

    /** @param secrets name to value */
    SecretScanner(Map<String, String> secrets) {
        this.secrets = secrets;
        Formatter format = new SimpleFormatter();
        logHandler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                add(Channel.LOG, format.format(r));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logHandler.setLevel(Level.ALL);
        aigwLevel = aigw.getLevel();
        aigw.setLevel(Level.ALL); // DEBUG and TRACE lines too: a secret must not hide at a lower level
        root.addHandler(logHandler);
        out = System.out;
        err = System.err;
        System.setOut(tee(out));
        System.setErr(tee(err));
        json = ExchangeListener.jsonLines(line -> add(Channel.RECORD, line));
    }

    private PrintStream tee(PrintStream original) {
        return new PrintStream(new OutputStream() {
            private final ByteArrayOutputStream line = new ByteArrayOutputStream();

            @Override
            public synchronized void write(int b) {
                original.write(b);
                if (b == '\n') {
                    add(Channel.CONSOLE, line.toString(StandardCharsets.UTF_8));
                    line.reset();
                } else {
                    line.write(b);
                }
            }
        }, true, StandardCharsets.UTF_8);
    }

    void add(Channel c, String text) {
        captured.add(new String[] {c.name(), text == null ? "null" : text});
    }

    /** A record, in both forms a listener or a log shows it. */
    void record(ExchangeRecord r) {
        add(Channel.RECORD, r.toString());
        json.onExchange(r);
    }

    /** An exception with its causes, suppressed ones and stack. */
    void exception(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        add(Channel.EXCEPTION, w.toString());
    }

    /** An HTTP answer: status, every header, the body. */
    void response(HttpResponse<String> r) {
        StringBuilder sb = new StringBuilder().append(r.statusCode()).append('\n');
        r.headers().map().forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
        add(Channel.RESPONSE, sb.append('\n').append(r.body()).toString());
    }

    int count(Channel channel) {
        int n = 0;
        for (String[] c : captured) {
            if (c[0].equals(channel.name())) {
                n++;
            }
        }
        return n;
    }

    Set<Channel> channelsSeen() {
        Set<Channel> s = new LinkedHashSet<>();
        for (String[] c : captured) {
            s.add(Channel.valueOf(c[0]));
        }
        return s;
    }

    List<Finding> findings() {
        List<Finding> found = new ArrayList<>();
        for (Map.Entry<String, String> secret : secrets.entrySet()) {
            Map<String, String> forms = forms(secret.getValue());
            for (String[] c : captured) {
                for (Map.Entry<String, String> form : forms.entrySet()) {
                    int at = c[1].indexOf(form.getValue());
                    if (at < 0 && form.getKey().equals("as is")) {
                        at = c[1].toLowerCase(Locale.ROOT).indexOf(form.getValue().toLowerCase(Locale.ROOT));
                    }
                    if (at >= 0) {
                        String around = c[1].substring(Math.max(0, at - 60), Math.min(c[1].length(),
                                at + form.getValue().length() + 60)).replace(form.getValue(), "<" + secret.getKey() + ">");
                        found.add(new Finding(Channel.valueOf(c[0]), secret.getKey(), form.getKey(), around));
                    }
                }
            }
        }
        return found;
    }

    /** The forms a leaked value takes. For a {@code whsec_} secret, its key part on its own too. */
    static Map<String, String> forms(String value) {
        Map<String, String> f = new java.util.LinkedHashMap<>();
        f.put("as is", value);
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        f.put("base64", Base64.getEncoder().withoutPadding().encodeToString(bytes));
        f.put("base64url", Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
        f.put("url-encoded", URLEncoder.encode(value, StandardCharsets.UTF_8));
        f.put("hex", HexFormat.of().formatHex(bytes));
        if (value.startsWith("whsec_")) {
            f.put("webhook key", value.substring("whsec_".length()));
        }
        f.values().removeIf(v -> v.equals(value) && f.get("as is") != v); // a form equal to the value adds nothing
        return f;
    }

    @Override
    public void close() {
        root.removeHandler(logHandler);
        aigw.setLevel(aigwLevel);
        System.setOut(out);
        System.setErr(err);
    }
}
