package dev.triggerapi.local;

import java.time.Duration;

/**
 * Started in a separate JVM by {@link LocalClickHouseProcessTest}: starts the local ClickHouse, prints its PID,
 * then either exits normally ({@code exit}) or waits to be killed ({@code wait}).
 */
public final class LocalClickHouseChildProcess {

    public static void main(String[] args) throws Exception {
        LocalClickHouse clickHouse = LocalClickHouse.shared();
        System.out.println("PID " + clickHouse.pid());
        System.out.println("READY");
        System.out.flush();
        if (args.length > 0 && args[0].equals("wait")) {
            Thread.sleep(Duration.ofMinutes(5).toMillis());
        }
        System.exit(0);
    }
}
