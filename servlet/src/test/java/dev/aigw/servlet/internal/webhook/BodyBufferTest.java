package dev.aigw.servlet.internal.webhook;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** What an unverified body holds is what the budget is charged, and the bytes come out as they went in. */
class BodyBufferTest {
    private static final int MAX = 64 * 1024;

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    /** One read of up to 8 KiB as the delivery does it; returns the bytes taken (0: refused over the budget). */
    private static int read(BodyBuffer b, byte[] body, int at) {
        int room = b.room();
        int n = Math.min(room > 0 ? room : 8192, Math.min(8192, body.length - at));
        if (room > 0) {
            System.arraycopy(body, at, b.array(), b.size(), n);
            b.filled(n);
            return n;
        }
        return b.append(body, at, n) ? n : 0;
    }

    @Test
    void aDeclaredLengthIsOneArrayOfThatLengthChargedOnceAndNeverCopied() {
        WebhookBudget budget = new WebhookBudget(128 * 1024);
        WebhookBudget.Reservation r = budget.reservation();
        byte[] body = bytes(20_000);
        assertThat(r.grow(body.length)).isTrue(); // as WebhookReception reserves it
        BodyBuffer b = new BodyBuffer(r, body.length, MAX);
        assertThat(b.array()).as("nothing allocated before the first bytes").isNull();
        int at = 0;
        while (b.room() > 0) {
            int n = Math.min(b.room(), 8192);
            System.arraycopy(body, at, b.array(), b.size(), n);
            b.filled(n);
            at += n;
        }
        assertThat(b.array()).hasSize(body.length).isEqualTo(body);
        assertThat(budget.held()).isEqualTo(b.array().length);
        assertThat(BodyBuffer.exact(b.array(), b.size())).isSameAs(b.array());
        r.giveBack();
        assertThat(budget.held()).isZero();
    }

    @Test
    void aChunkedBodyIsChargedWhatItsArrayHoldsAsItGrows() {
        WebhookBudget budget = new WebhookBudget(128 * 1024);
        WebhookBudget.Reservation r = budget.reservation();
        BodyBuffer b = new BodyBuffer(r, -1, MAX);
        byte[] body = bytes(50_000);
        for (int at = 0; at < body.length; ) {
            at += read(b, body, at); // as the delivery reads: into the array's room, else appended
            assertThat(budget.held()).as("charged = held, at %d", b.size()).isEqualTo(b.array().length);
            assertThat(b.array().length).isLessThanOrEqualTo(MAX).isLessThanOrEqualTo(2 * b.size());
        }
        assertThat(BodyBuffer.exact(b.array(), b.size())).isEqualTo(body);
    }

    /** Doubling must not refuse a body whose bytes fit: it grows by less, then exactly, as the budget allows. */
    @Test
    void aChunkedBodyThatFitsTheBudgetIsNotRefusedForTheDoubledLength() {
        WebhookBudget budget = new WebhookBudget(40_000);
        WebhookBudget.Reservation r = budget.reservation();
        BodyBuffer b = new BodyBuffer(r, -1, MAX);
        byte[] body = bytes(40_000);
        for (int at = 0; at < body.length; ) {
            int n = read(b, body, at);
            assertThat(n).as("at %d", at).isPositive();
            at += n;
            assertThat(budget.held()).isEqualTo(b.array().length).isLessThanOrEqualTo(40_000);
        }
        assertThat(Arrays.copyOf(b.array(), b.size())).isEqualTo(body);
        assertThat(b.append(new byte[1], 0, 1)).as("one byte over the budget").isFalse();
        assertThat(b.size()).isEqualTo(40_000);
        assertThat(budget.held()).isEqualTo(40_000);
        r.giveBack();
        b.release();
        assertThat(budget.held()).isZero();
    }
}
