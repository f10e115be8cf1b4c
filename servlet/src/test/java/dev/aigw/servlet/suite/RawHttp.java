package dev.aigw.servlet.suite;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** Raw HTTP/1.1 exchanges over a socket, so that no client library normalises the request. */
final class RawHttp {
    private RawHttp() {
    }

    /** A raw exchange's status, content type, body (as ISO-8859-1 text) and {@code Allow}. */
    record Raw(int status, String contentType, String body, String allow, String head) {
        boolean isProblem() {
            return contentType != null && contentType.startsWith("application/problem+json");
        }
    }

    /**
     * Sends {@code method rawPath} with these header lines (an empty line, then a body line, may follow) and reads
     * the answer; a connection the container closes without answering counts as 400.
     */
    static Raw send(URI app, String method, String rawPath, String... lines) throws IOException {
        try (Socket socket = new Socket(app.getHost(), app.getPort())) {
            socket.setSoTimeout(20_000);
            StringBuilder req = new StringBuilder(method).append(' ').append(rawPath).append(" HTTP/1.1\r\nHost: 127.0.0.1:")
                    .append(app.getPort()).append("\r\nConnection: close\r\n");
            boolean body = false;
            for (String h : lines) {
                if (h.isEmpty()) {
                    body = true;
                    req.append("\r\n");
                } else {
                    req.append(h).append(body ? "" : "\r\n");
                }
            }
            if (!body) {
                req.append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            try {
                out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException e) {
                // the container may answer and close before reading all of an oversized request
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            try {
                in.transferTo(all);
            } catch (IOException e) {
                // a reset after the answer: keep what arrived
            }
            String text = all.toString(StandardCharsets.ISO_8859_1);
            if (text.isEmpty()) {
                return new Raw(400, null, "", null, "");
            }
            int status = Integer.parseInt(text.split(" ", 3)[1]);
            int headEnd = text.indexOf("\r\n\r\n");
            String head = headEnd < 0 ? text : text.substring(0, headEnd);
            String type = null;
            String allow = null;
            for (String line : head.split("\r\n")) {
                if (line.regionMatches(true, 0, "Content-Type:", 0, 13)) {
                    type = line.substring(13).strip();
                }
                if (line.regionMatches(true, 0, "Allow:", 0, 6)) {
                    allow = line.substring(6).strip();
                }
            }
            return new Raw(status, type, headEnd < 0 ? "" : text.substring(headEnd + 4), allow, head);
        }
    }

    /**
     * Reads an answer's head and its body of one JSON object, byte by byte, so that nothing after it is consumed (the
     * answer may have no length: it then ends with the connection).
     */
    static String headAndJson(InputStream in) throws IOException {
        StringBuilder text = new StringBuilder();
        int depth = 0;
        boolean inBody = false;
        boolean inString = false;
        boolean escaped = false;
        for (int b; (b = in.read()) >= 0; ) {
            text.append((char) b);
            if (!inBody) {
                inBody = text.length() >= 4 && text.lastIndexOf("\r\n\r\n") == text.length() - 4;
            } else if (inString) {
                escaped = !escaped && b == '\\';
                inString = escaped || b != '"';
            } else if (b == '"') {
                inString = true;
            } else if (b == '{') {
                depth++;
            } else if (b == '}' && --depth == 0) {
                break;
            }
        }
        return text.toString();
    }
}
