package dev.triggerapi.packet;

import org.springframework.data.jpa.repository.JpaRepository;

/** Packets by environment and path. Callers choose replica or writer by their transaction (read-only = replica). */
interface PayloadPacketRepository extends JpaRepository<PayloadPacket, PayloadPacket.Key> {
}
