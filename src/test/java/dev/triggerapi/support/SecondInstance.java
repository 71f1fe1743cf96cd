package dev.triggerapi.support;

import java.util.ArrayList;
import java.util.List;

import dev.triggerapi.TriggerApiApplication;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Another instance of the service next to a test's own context, on the same local cluster (the {@code test}
 * profile) and a free port; closed after each test. Register it with {@code @RegisterExtension}.
 */
public final class SecondInstance implements AfterEachCallback {

    private ConfigurableApplicationContext context;

    /** Starts it with these Spring arguments besides {@code --server.port=0}. */
    public ConfigurableApplicationContext start(String... args) {
        List<String> all = new ArrayList<>(List.of("--server.port=0"));
        all.addAll(List.of(args));
        context = new SpringApplicationBuilder(TriggerApiApplication.class).profiles("test").run(all.toArray(String[]::new));
        return context;
    }

    /** Its HTTP port. */
    public int port() {
        return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    }

    @Override
    public void afterEach(ExtensionContext extension) {
        if (context != null) {
            context.close();
            context = null;
        }
    }
}
