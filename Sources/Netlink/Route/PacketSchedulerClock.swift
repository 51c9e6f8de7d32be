import Glibc

/// The packet scheduler's time unit, from `/proc/net/psched`: token-bucket sizes go to the kernel
/// in "ticks", and `tc` (and the reference plugins' netlink library) convert with this file's
/// ratios. On every kernel since 2.6.31 one tick is 1/15.625 µs (64 ns), which is the fallback.
public struct PacketSchedulerClock: Hashable, Sendable {
    /// Ticks per microsecond (`tick_in_usec`).
    public var ticksPerMicrosecond: Double

    public init(ticksPerMicrosecond: Double) {
        self.ticksPerMicrosecond = ticksPerMicrosecond
    }

    /// 15.625 ticks per µs (`t2us` 1000, `us2t` 64, 1 GHz clock resolution).
    public static let standard = PacketSchedulerClock(ticksPerMicrosecond: 15.625)

    /// The clock described by `/proc/net/psched` (``standard`` when it cannot be read).
    public static func current() -> PacketSchedulerClock {
        guard let text = readFile("/proc/net/psched") else { return .standard }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { UInt32($0, radix: 16) }
        guard words.count >= 3, words[1] != 0 else { return .standard }
        // t2us / us2t * (clock_res / TIME_UNITS_PER_SEC), as iproute2's tc_core_init and the
        // reference plugins' netlink library compute it (every current kernel: 1000 / 64 * 1).
        return PacketSchedulerClock(ticksPerMicrosecond: Double(words[0]) / Double(words[1]) * (Double(words[2]) / 1_000_000))
    }

    /// Ticks for `microseconds`, truncated as `tc_core_time2tick` does.
    public func ticks(microseconds: UInt32) -> UInt32 {
        UInt32(Double(microseconds) * ticksPerMicrosecond)
    }

    /// Ticks it takes to send `bytes` at `bytesPerSecond` (`tc_calc_xmittime`): what `burst`
    /// becomes in a token bucket. The time is truncated to whole microseconds first, as there.
    public func transmitTicks(bytes: UInt64, bytesPerSecond: UInt64) -> UInt32 {
        guard bytesPerSecond > 0 else { return 0 }
        let microseconds = UInt32(clamping: UInt64(Double(bytes) * 1_000_000 / Double(bytesPerSecond)))
        return ticks(microseconds: microseconds)
    }

    private static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
