package dev.triggerapi.schedule;

import java.util.List;
import java.util.Optional;

import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;

/** Schedules by environment. Callers choose replica or writer by their transaction (read-only = replica). */
interface TaskScheduleRepository extends JpaRepository<TaskSchedule, String> {

    Optional<TaskSchedule> findByEnvironmentIdAndFriendlyId(String environmentId, String friendlyId);

    List<TaskSchedule> findByEnvironmentIdAndType(String environmentId, String type);

    Page<TaskSchedule> findByEnvironmentId(String environmentId, Pageable pageable);
}
