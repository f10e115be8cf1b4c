package dev.aigw.servlet.internal.state;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.proxy.AsyncCommandExecutor;
import io.github.bucket4j.distributed.proxy.CommandExecutor;
import io.github.bucket4j.distributed.proxy.optimization.DelayParameters;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.proxy.optimization.OptimizationListener;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.distributed.remote.CommandResult;
import io.github.bucket4j.distributed.remote.MultiResult;
import io.github.bucket4j.distributed.remote.RemoteBucketState;
import io.github.bucket4j.distributed.remote.RemoteCommand;
import io.github.bucket4j.distributed.remote.commands.ConsumeIgnoringRateLimitsCommand;
import io.github.bucket4j.distributed.remote.commands.CreateInitialStateAndExecuteCommand;
import io.github.bucket4j.distributed.remote.commands.MultiCommand;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Bucket4j's delaying optimization, plus what it lacks for a bound: when a sync that writes the calls decided
 * locally finds no bucket (Redis expired the key, computing its time to live without those calls; JCache evicted or
 * expired it; a Redis restarted without persistence; a flush), Bucket4j forgets them and creates a full bucket. Here
 * they are kept and written with the creation, as far as the bucket would still owe them (what refilled since the
 * last state read is not charged), so a principal cannot have them forgiven by pausing until its key expires.
 *
 * <p>Before each round trip it asks the engine's cool-down: the calls of one principal queue behind each other in
 * Bucket4j's batching, and one queued behind a round trip that timed out must not wait for another.
 *
 * <p>One per proxy; runs below Bucket4j's batching, so one thread at a time.
 *
 * <p>Internal: not API, may change in any release.
 */
final class LocalPermits implements Optimization {
    private final DelayParameters parameters;
    private final BucketConfiguration config;
    private final Runnable gate;
    private final Consumer<Throwable> failure;

    /**
     * @param gate    run before each round trip; throws to refuse it (the engine cools down after a failure)
     * @param failure told of a round trip that failed, before the calls queued behind it run (opens the cool-down)
     */
    LocalPermits(DelayParameters parameters, BucketConfiguration config, Runnable gate, Consumer<Throwable> failure) {
        this.parameters = parameters;
        this.config = config;
        this.gate = gate;
        this.failure = failure;
    }

    @Override
    public Optimization withListener(OptimizationListener listener) {
        return this;
    }

    @Override
    public CommandExecutor apply(CommandExecutor original) {
        return Optimizations.delaying(parameters).apply(new DebtKeeper(original, config, gate, failure));
    }

    @Override
    public AsyncCommandExecutor apply(AsyncCommandExecutor original) {
        throw new UnsupportedOperationException("synchronous only");
    }

    /** Between Bucket4j's delaying executor and the engine: sees each sync ({@code [consume k, command, snapshot]}). */
    static final class DebtKeeper implements CommandExecutor {
        private final CommandExecutor engine;
        private final BucketConfiguration config;
        private final Runnable gate;
        private final Consumer<Throwable> failure;
        private long lost; // decided locally, written by a sync that found no bucket
        private RemoteBucketState seen; // what the last sync read

        DebtKeeper(CommandExecutor engine, BucketConfiguration config, Runnable gate, Consumer<Throwable> failure) {
            this.engine = engine;
            this.config = config;
            this.gate = gate;
            this.failure = failure;
        }

        /** One round trip; a failure opens the cool-down at once, so that the calls queued behind it see it. */
        private <T> CommandResult<T> roundTrip(RemoteCommand<T> command) {
            try {
                return engine.execute(command);
            } catch (RuntimeException | Error e) {
                failure.accept(e);
                throw e;
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> CommandResult<T> execute(RemoteCommand<T> command) {
            gate.run();
            if (!(command instanceof MultiCommand sync) || sync.getCommands().size() != 3
                    || !(sync.getCommands().get(0) instanceof ConsumeIgnoringRateLimitsCommand write)) {
                return roundTrip(command);
            }
            long local = write.getTokensToConsume();
            long owed = lost > 0 ? owed() : 0;
            RemoteCommand<T> sent = command;
            if (owed > 0) { // create the bucket if it is still missing, owing what it lost, then the command
                List<RemoteCommand<?>> c = new ArrayList<>(sync.getCommands());
                c.set(0, new CreateInitialStateAndExecuteCommand<>(config,
                        new ConsumeIgnoringRateLimitsCommand(local + owed)));
                sent = (RemoteCommand<T>) new MultiCommand(c);
            }
            CommandResult<T> result = roundTrip(sent); // an exception: nothing changes, tried again later
            if (result.isError()) {
                return result;
            }
            CommandResult<?> snapshot = ((MultiResult) result.getData()).getResults().get(2);
            if (snapshot.isBucketNotFound()) {
                lost += local; // Bucket4j forgets them now
            } else if (!snapshot.isError()) {
                lost = 0;
                seen = (RemoteBucketState) snapshot.getData();
            }
            return result;
        }

        /** The lost calls the bucket would still owe: as if they were taken from what was read last, then refilled. */
        private long owed() {
            if (seen == null) {
                return lost;
            }
            RemoteBucketState s = seen.copy();
            s.consume(lost);
            s.refillAllBandwidth(TimeMeter.SYSTEM_MILLISECONDS.currentTimeNanos());
            long full = Long.MAX_VALUE;
            for (Bandwidth b : config.getBandwidths()) {
                full = Math.min(full, b.getCapacity());
            }
            return Math.min(lost, Math.max(0, full - s.getAvailableTokens()));
        }
    }
}
