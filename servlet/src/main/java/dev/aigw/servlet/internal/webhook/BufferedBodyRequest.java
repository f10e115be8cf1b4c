package dev.aigw.servlet.internal.webhook;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * The request with its body already read (and verified): the application reads the same bytes.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class BufferedBodyRequest extends HttpServletRequestWrapper {
    private volatile byte[] body;
    private boolean used;

    public BufferedBodyRequest(HttpServletRequest request, byte[] body) {
        super(request);
        this.body = body;
    }

    /** A request whose body is being read; {@link #body(byte[])} sets it once verified. */
    public BufferedBodyRequest(HttpServletRequest request) {
        this(request, new byte[0]);
    }

    public void body(byte[] verified) {
        this.body = verified;
    }

    public byte[] body() {
        return body;
    }

    @Override
    public ServletInputStream getInputStream() {
        if (used) {
            throw new IllegalStateException("getReader() was already called");
        }
        return new Input(body);
    }

    @Override
    public BufferedReader getReader() throws UnsupportedEncodingException {
        String enc = getCharacterEncoding();
        Charset cs;
        try {
            cs = enc == null ? StandardCharsets.UTF_8 : Charset.forName(enc);
        } catch (IllegalArgumentException e) { // unknown or illegal name: the Servlet API's checked exception
            UnsupportedEncodingException u = new UnsupportedEncodingException("the request's charset \""
                    + enc + "\" is not one this JVM knows; read the body with getInputStream()");
            u.initCause(e);
            throw u;
        }
        used = true; // only now: after a refused charset the body can still be read as bytes
        return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), cs));
    }

    @Override
    public int getContentLength() {
        return body.length;
    }

    @Override
    public long getContentLengthLong() {
        return body.length;
    }

    private static final class Input extends ServletInputStream {
        private final ByteArrayInputStream in;
        private ReadListener listener;

        Input(byte[] body) {
            this.in = new ByteArrayInputStream(body);
        }

        @Override
        public boolean isFinished() {
            return in.available() == 0;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener readListener) {
            if (listener != null) {
                throw new IllegalStateException("a ReadListener is already set");
            }
            listener = readListener;
            try {
                if (!isFinished()) {
                    readListener.onDataAvailable();
                }
                readListener.onAllDataRead();
            } catch (IOException e) {
                readListener.onError(e);
            }
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, len);
        }
    }
}
