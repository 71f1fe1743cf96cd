package dev.triggerapi.deployment;

/** A worker's declared queue as the trigger path needs it (constructor projection, no entity). */
record QueueRow(String id, String name) {
}
