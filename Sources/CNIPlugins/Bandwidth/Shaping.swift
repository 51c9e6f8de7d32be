import NetAddress
import Netlink

/// The token buckets of one device, as the reference HEAD lays them out: an HTB qdisc `1:` whose
/// class `1:30` holds the configured rate (ceiling twice that, both buckets the configured
/// burst) and whose class `1:1` is practically unlimited (100 GB/s); `u32` filters send the
/// listed subnets to one class and everything else goes to the qdisc's default.
///
/// ```
/// tc qdisc add dev D root handle 1: htb default 30            (default 1 with shapedSubnets)
/// tc class add dev D parent 1: classid 1:30 htb rate R ceil 2R burst B cburst B
/// tc class add dev D parent 1: classid 1:1 htb rate 800Gbit ceil 800Gbit
/// tc filter add dev D parent 1: protocol ip prio 16 u32 match ip dst|src S flowid 1:1|1:30
/// ```
struct Shaping: Equatable {
    static let root = TCHandle(major: 1, minor: 0)
    /// `ShapedClassMinorID` (48: `tc` writes it `30`, in hex).
    static let shapedClass = TCHandle(major: 1, minor: 0x30)
    /// `UnShapedClassMinorID`.
    static let unshapedClass = TCHandle(major: 1, minor: 1)
    /// `UncappedRate`, bytes/s.
    static let uncappedRate: UInt64 = 100_000_000_000

    /// Which address of a packet the subnet filters look at.
    enum Match { case destination, source }

    var bucket: TokenBucket
    /// The subnets that get a filter, and where they go: the unshaped class when `exclude`, the
    /// shaped one otherwise.
    var subnets: [IPNetwork]
    var exclude: Bool
    var match: Match

    /// The direction's shaping from the limits' subnet lists: `unshapedSubnets` wins when both
    /// ingress and egress see them (they cannot both be set).
    init(_ bucket: TokenBucket, limits: BandwidthLimits, match: Match) {
        self.bucket = bucket
        self.match = match
        if !limits.unshapedSubnets.isEmpty {
            subnets = limits.unshapedSubnets
            exclude = true
        } else {
            subnets = limits.shapedSubnets
            exclude = false
        }
    }

    /// The class unfiltered traffic goes to: the shaped one, unless only listed subnets are shaped.
    var defaultClass: TCHandle { subnets.isEmpty || exclude ? Self.shapedClass : Self.unshapedClass }

    /// The bucket size in scheduler ticks: the time the burst takes at the rate.
    func buffer(_ clock: PacketSchedulerClock) -> UInt32 {
        clock.transmitTicks(bytes: UInt64(UInt32(truncatingIfNeeded: bucket.burstBytes)), bytesPerSecond: bucket.bytesPerSecond)
    }

    func qdisc(on index: Int32) -> Qdisc {
        Qdisc(interfaceIndex: index, handle: Self.root, parent: .root, kind: .htb(HTBQdiscOptions(defaultClass: UInt32(defaultClass.minor))))
    }

    func classes(on index: Int32, clock: PacketSchedulerClock) -> [HTBClass] {
        let buffer = buffer(clock)
        return [
            HTBClass(
                interfaceIndex: index, handle: Self.shapedClass, parent: Self.root, rate: bucket.bytesPerSecond,
                ceil: 2 * bucket.bytesPerSecond, buffer: buffer, ceilBuffer: buffer),
            HTBClass(
                interfaceIndex: index, handle: Self.unshapedClass, parent: Self.root, rate: Self.uncappedRate,
                ceil: Self.uncappedRate, buffer: 0, ceilBuffer: 0),
        ]
    }

    /// One filter per subnet: IPv4 at priority 16, IPv6 at 15 (one protocol per priority); a key
    /// per non-zero 32-bit word of the mask (`0.0.0.0/0` keeps a single match-all key).
    func filters(on index: Int32) -> [U32Filter] {
        subnets.map { subnet in
            let v4 = subnet.family == .v4
            let offset: Int32 = switch (v4, match) {
            case (true, .destination): 16
            case (true, .source): 12
            case (false, .destination): 24
            case (false, .source): 8
            }
            let address = subnet.network.address.bytes
            let mask = subnet.netmask.bytes
            var keys: [U32Key] = []
            for word in 0..<(address.count / 4) {
                let m = Self.word(mask, word)
                guard m != 0 else { continue }
                keys.append(U32Key(mask: m, value: Self.word(address, word), offset: offset + Int32(4 * word)))
            }
            return U32Filter(
                interfaceIndex: index, parent: Self.root, priority: v4 ? 16 : 15,
                protocolType: v4 ? EtherType.ipv4 : EtherType.ipv6, classID: exclude ? Self.unshapedClass : Self.shapedClass,
                keys: keys.isEmpty ? [U32Key()] : keys)
        }
    }

    private static func word(_ bytes: [UInt8], _ i: Int) -> UInt32 {
        bytes[(4 * i)..<(4 * i + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
