package dev.triggerapi.realtime;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Receives the change records of environments that have live subscribers on this instance. */
interface RunChangeSubscriptions {

    /** The pub/sub channel of an environment's change records. */
    static String channel(String environmentId) {
        return "realtime:runs:env:" + environmentId;
    }

    /** Starts receiving an environment's records; {@link Handle#ready()} completes once the broker confirmed. */
    Handle subscribe(String environmentId, Consumer<RunChangeRecord> onRecord);

    /** One environment's subscription. */
    interface Handle {
        /** Completes when records published from now on will arrive (exceptionally when the broker is down). */
        CompletableFuture<Void> ready();

        /** Stops receiving; idempotent. */
        void close();
    }

    /** Receives nothing: used where only the backstop poll should deliver (tests of the safety net). */
    RunChangeSubscriptions NONE = (environmentId, onRecord) -> new Handle() {
        @Override
        public CompletableFuture<Void> ready() {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    };
}
