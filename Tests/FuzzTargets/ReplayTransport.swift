import Netlink
import SystemPackage

/// A netlink transport that answers with recorded (or fuzzed) datagrams, in order, whatever was
/// asked: each datagram's messages get the sequence number of the last request sent, so replies
/// recorded in another process still answer this one (unless `stampSequence` is off, which feeds
/// the connection replies to nobody). No datagram left: `EAGAIN`, as a fake cannot block.
///
/// Input format (`frames`): a run of `[length: UInt16 little-endian][datagram]`; a length past the
/// end takes what is left.
public final class ReplayTransport: NetlinkTransport {
    public let portID: UInt32 = 0
    private var datagrams: [[UInt8]]
    private var sequence: UInt32 = 0
    private let stampSequence: Bool
    /// Every request datagram sent.
    public private(set) var sent: [[UInt8]] = []

    public init(datagrams: [[UInt8]], stampSequence: Bool = true) {
        self.datagrams = datagrams.reversed()
        self.stampSequence = stampSequence
    }

    public static func frames(_ bytes: some Collection<UInt8>) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var rest = ArraySlice(bytes)
        while rest.count >= 2 {
            let length = Int(rest[rest.startIndex]) | Int(rest[rest.startIndex + 1]) << 8
            rest = rest.dropFirst(2)
            out.append(Array(rest.prefix(length)))
            rest = rest.dropFirst(length)
        }
        return out
    }

    /// The inverse of ``frames(_:)`` (for the recorder).
    public static func encode(frames: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for f in frames {
            let n = min(f.count, 0xffff)
            out += [UInt8(n & 0xff), UInt8(n >> 8)] + f.prefix(n)
        }
        return out
    }

    public func send(_ datagram: [UInt8]) throws {
        sent.append(datagram)
        if datagram.count >= 12 {
            sequence = UInt32(datagram[8]) | UInt32(datagram[9]) << 8 | UInt32(datagram[10]) << 16 | UInt32(datagram[11]) << 24
        }
    }

    public func receive() throws -> [UInt8] {
        guard var d = datagrams.popLast() else { throw Errno.resourceTemporarilyUnavailable }
        if stampSequence { Self.stamp(&d, sequence: sequence) }
        return d
    }

    public func receiveIfQueued() throws -> [UInt8]? {
        datagrams.isEmpty ? nil : try receive()
    }

    /// Writes `sequence` and port 0 into every message header the datagram's lengths reach.
    static func stamp(_ d: inout [UInt8], sequence: UInt32) {
        var offset = 0
        while offset + 16 <= d.count {
            for k in 0..<4 {
                d[offset + 8 + k] = UInt8(truncatingIfNeeded: sequence >> (8 * k))
                d[offset + 12 + k] = 0
            }
            let length = Int(d[offset]) | Int(d[offset + 1]) << 8 | Int(d[offset + 2]) << 16 | Int(d[offset + 3]) << 24
            guard length >= 16 else { return }
            offset += (length + 3) & ~3
        }
    }
}
