package dev.triggerapi.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Started in a separate JVM by {@link LocalClusterProcessTest}: starts a cluster, prints the PIDs of its
 * server processes, then either exits normally ({@code exit}) or waits to be killed ({@code wait}).
 */
public final class LocalClusterChildProcess {

    public static void main(String[] args) throws Exception {
        LocalCluster cluster = LocalCluster.shared(new LocalClusterProperties("true", "", true, Duration.ZERO, true, false));
        for (Path pidFile : cluster.pidFiles()) {
            String pid = Files.readAllLines(pidFile).get(0).trim();
            System.out.println("PID " + pid);
        }
        System.out.println("READY");
        System.out.flush();
        if (args.length > 0 && args[0].equals("wait")) {
            Thread.sleep(Duration.ofMinutes(5).toMillis());
        }
        System.exit(0);
    }
}
