package dev.aigw.httpclient;

import dev.aigw.ExchangeRecord;
import dev.aigw.ExchangeRecord.Outcome;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A caller who gives up — future cancelled, thread interrupted, body closed or cancelled — gets one CANCELLED record. */
class CancelTest extends GatewayTestBase {

    @Test
    void cancellingTheFutureBeforeTheHeadAbortsTheCallAndRecordsItCancelled() throws Exception {
        fakeGateway.faults().next(1).latency(Duration.ofSeconds(3));
        CompletableFuture<HttpResponse<String>> f = client().sendAsync(api("/account").build(),
                HttpResponse.BodyHandlers.ofString());
        fakeGateway.awaitRequests(1, Duration.ofSeconds(5));
        assertThat(f.cancel(true)).isTrue();
        assertThat(f).isCancelled();
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(rec.httpStatus()).isZero();
        assertThat(rec.error()).isEqualTo("cancelled by the caller");
        f.cancel(true); // again: nothing more happens
        assertNoMoreRecords();
    }

    /** A slow body: 64 KB chunks 200 ms apart, the head at once. */
    private String slowFile(long size) {
        replicate.faults().next(1).onPath("/v1/files/").slowEvents(Duration.ofMillis(200));
        String id = replicate.generatedFile("slow.bin", "application/octet-stream", size);
        return "/files/" + id + "/download?owner=o&expiry=1&signature=s";
    }

    /** An ofString future completes only at the body's end: cancelling it while the body streams stops the body. */
    @Test
    void cancellingWhileTheBodyStreamsRecordsCancelledWithTheStatus() throws Exception {
        java.util.concurrent.CountDownLatch head = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<HttpResponse<String>> f = client().sendAsync(api(slowFile(1 << 20)).build(), info -> {
            head.countDown();
            return HttpResponse.BodySubscribers.ofString(java.nio.charset.StandardCharsets.ISO_8859_1);
        });
        assertThat(head.await(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(300);
        assertThat(f.cancel(true)).isTrue();
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(rec.httpStatus()).isEqualTo(200);
        assertThat(rec.bytesReceived()).isPositive().isLessThan(1 << 20);
        assertNoMoreRecords();
    }

    @Test
    void aCancelledFuturesDependentsSeeTheCancellation() throws Exception {
        fakeGateway.faults().next(1).latency(Duration.ofSeconds(3));
        CompletableFuture<HttpResponse<String>> f = client().sendAsync(api("/account").build(),
                HttpResponse.BodyHandlers.ofString());
        CompletableFuture<Integer> status = f.thenApply(HttpResponse::statusCode);
        f.cancel(false);
        assertThatThrownBy(() -> status.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(CancellationException.class);
        assertThat(nextRecord().outcome()).isEqualTo(Outcome.CANCELLED);
    }

    @Test
    void anInterruptedSendRecordsCancelled() throws Exception {
        fakeGateway.faults().next(1).latency(Duration.ofSeconds(3));
        HttpClient c = client();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                c.send(api("/account").build(), HttpResponse.BodyHandlers.ofString());
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        caller.start();
        fakeGateway.awaitRequests(1, Duration.ofSeconds(5));
        caller.interrupt();
        caller.join(5000);
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(rec.error()).contains("interrupted");
        assertNoMoreRecords();
    }

    /** Closing a line stream before its end cancels its subscription: the record says so. */
    @Test
    void closingALineStreamMidwayRecordsCancelled() throws Exception {
        HttpResponse<Stream<String>> r = client().send(api(slowFile(1 << 20)).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(r.statusCode()).isEqualTo(200);
        r.body().close();
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(rec.httpStatus()).isEqualTo(200);
        assertNoMoreRecords();
    }

    /** A subscriber of its own that cancels after the first buffer. */
    @Test
    void aSubscriberThatCancelsRecordsCancelled() throws Exception {
        long size = 1 << 20;
        String id = replicate.generatedFile("one.bin", "application/octet-stream", size);
        CompletableFuture<Long> seen = new CompletableFuture<>();
        client().sendAsync(api("/files/" + id + "/download?owner=o&expiry=1&signature=s").build(),
                HttpResponse.BodyHandlers.fromSubscriber(new Flow.Subscriber<java.util.List<java.nio.ByteBuffer>>() {
                    private Flow.Subscription s;

                    @Override
                    public void onSubscribe(Flow.Subscription s) {
                        this.s = s;
                        s.request(1);
                    }

                    @Override
                    public void onNext(java.util.List<java.nio.ByteBuffer> item) {
                        seen.complete(item.stream().mapToLong(java.nio.ByteBuffer::remaining).sum());
                        s.cancel();
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onComplete() {
                    }
                }));
        long first = seen.get(10, TimeUnit.SECONDS);
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(rec.bytesReceived()).isEqualTo(first).isLessThan(size);
        assertNoMoreRecords();
    }

    /** Reading a body to its end and then closing it is a success, not a cancellation. */
    @Test
    void closingAfterTheEndIsNotACancellation() throws Exception {
        HttpResponse<InputStream> r = client().send(api("/account").build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            in.readAllBytes();
        }
        assertThat(nextRecord().outcome()).isEqualTo(Outcome.SUCCESS);
        assertNoMoreRecords();
    }
}
