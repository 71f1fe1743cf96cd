package dev.triggerapi.deployment;

import dev.triggerapi.environment.AuthenticatedEnvironment;
import jakarta.validation.Valid;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Worker registration and deployment promotion, authenticated by the environment's secret key. */
@RestController
@RequestMapping("/api/v1/deployments")
class DeploymentController {

    private final DeploymentService deployments;

    DeploymentController(DeploymentService deployments) {
        this.deployments = deployments;
    }

    /** 201 for a new version, 200 when the identical version was already registered. */
    @PostMapping
    ResponseEntity<WorkerRegistered> register(AuthenticatedEnvironment environment,
                                              @Valid @RequestBody WorkerRegistration registration) {
        WorkerRegistered registered = deployments.register(environment, registration);
        return ResponseEntity.status(registered.alreadyRegistered() ? HttpStatus.OK : HttpStatus.CREATED)
                .body(registered);
    }

    /** Promotes {@code version}; promoting an older version is a rollback. */
    @PostMapping("/{version}/promote")
    PromotedDeployment promote(AuthenticatedEnvironment environment, @PathVariable String version) {
        return deployments.promote(environment, version);
    }
}
