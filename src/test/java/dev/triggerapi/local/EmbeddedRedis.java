package dev.triggerapi.local;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * A real Redis server (the binary shipped by {@code com.github.codemonstur:embedded-redis}) on loopback, in a session
 * of its own.
 */
final class EmbeddedRedis {

    private final int port;
    private final Path workDir;
    private final Path pidFile;
    private RedisServer server;

    EmbeddedRedis(int port, Path workDir) {
        this.port = port;
        this.workDir = workDir;
        this.pidFile = workDir.resolve("redis.pid");
    }

    synchronized void start() {
        try {
            server = RedisServer.newRedisServer()
                    .executableProvider(inOwnSession(ExecutableProvider.newJarResourceProvider()))
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

    /**
     * The shipped binary behind a script that execs it in a session of its own ({@link ServerProcesses#ownSession()});
     * the pid the library knows stays the server's.
     */
    private ExecutableProvider inOwnSession(ExecutableProvider binary) {
        return () -> {
            File redis = binary.get();
            List<String> prefix = ServerProcesses.ownSession();
            if (prefix.isEmpty()) {
                return redis;
            }
            Path script = workDir.resolve("redis-server-own-session");
            Files.writeString(script, "#!/bin/sh\nexec " + ServerProcesses.quote(Path.of(prefix.get(0))) + " "
                    + ServerProcesses.quote(redis.toPath()) + " \"$@\"\n");
            if (!script.toFile().setExecutable(true)) {
                throw new IOException("Cannot make " + script + " executable");
            }
            return script.toFile();
        };
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
