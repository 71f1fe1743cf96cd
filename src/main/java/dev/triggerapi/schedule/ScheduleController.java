package dev.triggerapi.schedule;

import java.util.Map;

import dev.triggerapi.environment.AuthenticatedEnvironment;
import jakarta.validation.Valid;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The SDK's {@code schedules.*} calls, authenticated by the environment's secret key. */
@RestController
@RequestMapping("/api/v1/schedules")
class ScheduleController {

    private final ScheduleService schedules;

    ScheduleController(ScheduleService schedules) {
        this.schedules = schedules;
    }

    @PostMapping
    ScheduleObject create(AuthenticatedEnvironment environment, @Valid @RequestBody ScheduleRequest request) {
        return schedules.create(environment, request);
    }

    @GetMapping
    ScheduleList list(AuthenticatedEnvironment environment, @RequestParam(required = false) Integer page,
                      @RequestParam(required = false) Integer perPage) {
        return schedules.list(environment, page, perPage);
    }

    @GetMapping("/{scheduleId}")
    ScheduleObject retrieve(AuthenticatedEnvironment environment, @PathVariable String scheduleId) {
        return schedules.retrieve(environment, scheduleId);
    }

    @PutMapping("/{scheduleId}")
    ScheduleObject update(AuthenticatedEnvironment environment, @PathVariable String scheduleId,
                          @Valid @RequestBody ScheduleRequest request) {
        return schedules.update(environment, scheduleId, request);
    }

    @PostMapping("/{scheduleId}/activate")
    ScheduleObject activate(AuthenticatedEnvironment environment, @PathVariable String scheduleId) {
        return schedules.activate(environment, scheduleId);
    }

    @PostMapping("/{scheduleId}/deactivate")
    ScheduleObject deactivate(AuthenticatedEnvironment environment, @PathVariable String scheduleId) {
        return schedules.deactivate(environment, scheduleId);
    }

    @DeleteMapping("/{scheduleId}")
    Map<String, String> delete(AuthenticatedEnvironment environment, @PathVariable String scheduleId) {
        return Map.of("id", schedules.delete(environment, scheduleId));
    }
}
