import FlecheSystem
import FlecheValue

/// The calls whose manifest times a hit has looked at lately in this process, so that a call
/// hit again and again costs one `fstat` per half hour, not one per hit (the system call was
/// 5–10% of a hit on tmpfs). A fixed table of 32,768 slots of 8 bytes (256 KiB, made on the
/// first hit) indexed by the key's first bytes: a key that shares its slot with another hot key
/// is only looked at more often. With 4,096 slots, 5,000 calls hit in a loop shared slots so
/// often (about 70% of keys) that use recording cost 3–4% of a hit; now about 14% do.
final class RecentUses: Sendable {
    /// How long a look at a manifest's time stands: a call's recorded last use is at most
    /// ``FileCallStorage/useRefreshInterval`` plus this behind its real one.
    static let lookInterval: UInt32 = 1_800
    private static let slotCount = 32_768

    private struct Slot {
        /// Bytes 8–11 of the key (the index comes from bytes 0–7).
        var tag: UInt32 = 0
        /// Seconds since 1970 when the manifest's time was looked at; 0: never.
        var lookedAt: UInt32 = 0
    }

    private let slots = Locked<[Slot]>([])

    /// Whether the manifest of `key` needs a look at its time now: not looked at (``record(_:now:)``)
    /// within the last ``lookInterval``.
    func needsLook(_ key: Digest, now: Double) -> Bool {
        let (tag, index) = Self.slot(of: key)
        let seconds = UInt32(clamping: Int(now))
        return slots.withLock { slots in
            guard !slots.isEmpty else { return true }
            let slot = slots[index]
            return !(slot.tag == tag && slot.lookedAt > 0 && seconds &- slot.lookedAt < Self.lookInterval)
        }
    }

    /// Records a look at the time of `key`'s manifest (one that exists: a miss looks at nothing).
    func record(_ key: Digest, now: Double) {
        let (tag, index) = Self.slot(of: key)
        slots.withLock { slots in
            if slots.isEmpty { slots = Array(repeating: Slot(), count: Self.slotCount) }
            slots[index] = Slot(tag: tag, lookedAt: UInt32(clamping: Int(now)))
        }
    }

    private static func slot(of key: Digest) -> (tag: UInt32, index: Int) {
        let bytes = key.bytes
        let head = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let tag = bytes.dropFirst(8).prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return (tag, Int(head % UInt64(slotCount)))
    }
}
