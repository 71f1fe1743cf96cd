package dev.triggerapi.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import redis.embedded.RedisServer;

/** A real Redis server (the binary shipped by {@code com.github.codemonstur:embedded-redis}) on loopback. */
final class EmbeddedRedis {

    private final int port;
    private final Path pidFile;
    private RedisServer server;

    EmbeddedRedis(int port, Path workDir) {
        this.port = port;
        this.pidFile = workDir.resolve("redis.pid");
    }

    synchronized void start() {
        try {
            server = RedisServer.newRedisServer()
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .setting("pidfile " + pidFile)
                    .setting("maxmemory 256mb")
                    .build();
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the local Redis on port " + port, e);
        }
    }

    synchronized void stop() {
        if (server != null) {
            try {
                server.stop();
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot stop the local Redis", e);
            } finally {
                server = null;
            }
        }
    }

    synchronized boolean isRunning() {
        return server != null && server.isActive();
    }

    int port() {
        return port;
    }

    Path pidFile() {
        return pidFile;
    }
}
