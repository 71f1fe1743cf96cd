package dev.triggerapi.environment;

import java.util.List;
import java.util.Locale;

import dev.triggerapi.api.ApiException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The admin API for real deployments ({@code /admin/v1}, guarded by {@code ADMIN_TOKEN} in {@code api}):
 * environments, their secret keys and worker-group tokens. Secrets appear only in the answer that issues them.
 */
@RestController
@RequestMapping("/admin/v1")
class ProvisioningController {

    private final EnvironmentProvisioning provisioning;

    ProvisioningController(EnvironmentProvisioning provisioning) {
        this.provisioning = provisioning;
    }

    /** {@code POST /admin/v1/environments} body. */
    record NewEnvironment(String organization, String project, String type) {
    }

    /** A new environment and its first secret key. */
    record CreatedEnvironment(EnvironmentSummary environment, IssuedCredential secretKey) {
    }

    /** {@code POST /admin/v1/worker-groups} body. */
    record NewWorkerGroup(String name) {
    }

    /** A new worker group and its first token. */
    record CreatedWorkerGroup(String id, String name, IssuedCredential token) {
    }

    @GetMapping("/environments")
    List<EnvironmentSummary> environments() {
        return provisioning.listEnvironments();
    }

    @PostMapping("/environments")
    @ResponseStatus(HttpStatus.CREATED)
    CreatedEnvironment createEnvironment(@RequestBody NewEnvironment body) {
        ProvisioningInput.slug("organization", body.organization());
        ProvisioningInput.slug("project", body.project());
        EnvironmentType type = ProvisioningInput.type(body.type());
        ProvisionedEnvironment created = provisioning.provisionEnvironment(body.organization(), body.project(), type)
                .orElseThrow(() -> new ApiException(HttpStatus.CONFLICT, "Project " + body.organization() + "/"
                        + body.project() + " already has a " + type + " environment"));
        AuthenticatedEnvironment env = created.environment();
        return new CreatedEnvironment(new EnvironmentSummary(env.id(), env.slug(), env.type(), body.organization(),
                body.project(), env.projectRef()),
                new IssuedCredential(created.secretKeyId(), created.secretKey(), SecretHashing.hint(created.secretKey())));
    }

    @GetMapping("/environments/{environmentId}/secret-keys")
    List<CredentialInfo> secretKeys(@PathVariable String environmentId) {
        return provisioning.listSecretKeys(environmentId).orElseThrow(() -> unknownEnvironment(environmentId));
    }

    @PostMapping("/environments/{environmentId}/secret-keys")
    @ResponseStatus(HttpStatus.CREATED)
    IssuedCredential issueSecretKey(@PathVariable String environmentId) {
        return provisioning.issueSecretKey(environmentId).orElseThrow(() -> unknownEnvironment(environmentId));
    }

    @DeleteMapping("/environments/{environmentId}/secret-keys/{keyId}")
    CredentialInfo revokeSecretKey(@PathVariable String environmentId, @PathVariable String keyId) {
        return provisioning.revokeSecretKey(environmentId, keyId)
                .orElseThrow(() -> ApiException.notFound("No secret key " + keyId + " in environment " + environmentId));
    }

    @PostMapping("/worker-groups")
    @ResponseStatus(HttpStatus.CREATED)
    CreatedWorkerGroup createWorkerGroup(@RequestBody NewWorkerGroup body) {
        ProvisioningInput.slug("name", body.name());
        try {
            ProvisionedWorkerGroup group = provisioning.createWorkerGroup(body.name());
            return new CreatedWorkerGroup(group.id(), group.name(),
                    new IssuedCredential(group.tokenId(), group.token(), SecretHashing.hint(group.token())));
        } catch (DuplicateKeyException e) {
            throw new ApiException(HttpStatus.CONFLICT, "A worker group named " + body.name() + " exists");
        }
    }

    @GetMapping("/worker-groups/{group}/tokens")
    List<CredentialInfo> workerTokens(@PathVariable String group) {
        return provisioning.listWorkerTokens(workerGroupId(group)).orElseThrow(() -> unknownGroup(group));
    }

    @PostMapping("/worker-groups/{group}/tokens")
    @ResponseStatus(HttpStatus.CREATED)
    IssuedCredential issueWorkerToken(@PathVariable String group) {
        return provisioning.issueWorkerToken(workerGroupId(group)).orElseThrow(() -> unknownGroup(group));
    }

    @DeleteMapping("/worker-groups/{group}/tokens/{tokenId}")
    CredentialInfo revokeWorkerToken(@PathVariable String group, @PathVariable String tokenId) {
        return provisioning.revokeWorkerToken(workerGroupId(group), tokenId)
                .orElseThrow(() -> ApiException.notFound("No token " + tokenId + " in worker group " + group));
    }

    private String workerGroupId(String idOrName) {
        return provisioning.findWorkerGroup(idOrName).orElseThrow(() -> unknownGroup(idOrName));
    }

    private static ApiException unknownEnvironment(String id) {
        return ApiException.notFound("No environment " + id);
    }

    private static ApiException unknownGroup(String idOrName) {
        return ApiException.notFound("No worker group " + idOrName);
    }

    /** Input rules shared by the admin API and the {@code provision} command. */
    static final class ProvisioningInput {

        private ProvisioningInput() {
        }

        static void slug(String what, String value) {
            if (value == null || !value.matches("[a-z0-9][a-z0-9_-]{0,63}")) {
                throw ApiException.badRequest(what + " must be 1-64 characters of a-z, 0-9, '-' and '_', starting with a "
                        + "letter or digit");
            }
        }

        static EnvironmentType type(String value) {
            String upper = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
            return switch (upper) {
                case "DEVELOPMENT", "STAGING", "PRODUCTION" -> EnvironmentType.valueOf(upper);
                default -> throw ApiException.badRequest("type must be DEVELOPMENT, STAGING or PRODUCTION");
            };
        }
    }
}
