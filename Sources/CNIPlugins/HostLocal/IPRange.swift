import NetAddress

/// One range of a range set as written in the config: every field but the subnet optional.
/// `subnet` is kept as written (host bits included) so validation can name it as the user typed it.
public struct RangeSpec: Hashable, Sendable {
    public var subnet: IPNetwork?
    public var rangeStart: IPAddress?
    public var rangeEnd: IPAddress?
    public var gateway: IPAddress?

    public init(subnet: IPNetwork?, rangeStart: IPAddress? = nil, rangeEnd: IPAddress? = nil, gateway: IPAddress? = nil) {
        self.subnet = subnet
        self.rangeStart = rangeStart
        self.rangeEnd = rangeEnd
        self.gateway = gateway
    }

    /// Fills in the defaults and validates, with the reference's checks in its order and words:
    /// gateway = network + 1, rangeStart = network + 1 (the gateway is skipped when iterating),
    /// rangeEnd = broadcast - 1 for IPv4 and the last address for IPv6.
    public func canonicalized() throws -> IPRange {
        guard let subnet else { throw HostLocalError.config("IP <nil> not v4 nor v6") }
        let bits = subnet.family.bitWidth
        if subnet.prefixLength > bits - 2 {
            throw HostLocalError.config("Network \(subnet) too small to allocate from")
        }
        let network = subnet.firstAddress
        if subnet.address != network {
            throw HostLocalError.config(
                "Network has host bits set. For a subnet mask of length \(subnet.prefixLength) the network address is \(network)")
        }
        let masked = subnet.network
        // The reference checks each bound against the other one *as written* (nil when absent).
        func inRange(_ ip: IPAddress, start: IPAddress?, end: IPAddress?) -> Bool {
            masked.contains(ip) && (start.map { ip >= $0 } ?? true) && (end.map { ip <= $0 } ?? true)
        }
        let start: IPAddress
        if let rangeStart {
            guard inRange(rangeStart, start: rangeStart, end: rangeEnd) else {
                throw HostLocalError.config("RangeStart \(rangeStart) not in network \(masked)")
            }
            start = rangeStart
        } else {
            start = network.next
        }
        let end: IPAddress
        if let rangeEnd {
            guard inRange(rangeEnd, start: start, end: rangeEnd) else {
                throw HostLocalError.config("RangeEnd \(rangeEnd) not in network \(masked)")
            }
            end = rangeEnd
        } else {
            let last = subnet.lastAddress
            end = subnet.family == .v4 ? last.previous : last
        }
        // The reference accepts a gateway outside the subnet (Debian 1.1.1 and upstream alike).
        return IPRange(subnet: masked, rangeStart: start, rangeEnd: end, gateway: gateway ?? network.next)
    }
}

/// A validated range: every field set, start ≤ end, both inside the subnet.
public struct IPRange: Hashable, Sendable, CustomStringConvertible {
    public let subnet: IPNetwork
    public let rangeStart: IPAddress
    public let rangeEnd: IPAddress
    public let gateway: IPAddress

    public var family: IPFamily { subnet.family }

    /// `start-end`, as the reference names a range in its errors.
    public var description: String { "\(rangeStart)-\(rangeEnd)" }

    /// True when `ip` is in the subnet and between start and end inclusive (the gateway counts).
    public func contains(_ ip: IPAddress) -> Bool {
        ip.family == family && subnet.contains(ip) && ip >= rangeStart && ip <= rangeEnd
    }

    public func overlaps(_ other: IPRange) -> Bool {
        family == other.family
            && (contains(other.rangeStart) || contains(other.rangeEnd)
                || other.contains(rangeStart) || other.contains(rangeEnd))
    }

    /// How many addresses can be leased: start…end minus the gateway. nil when it exceeds Int.
    public var usableCount: Int? {
        guard let d = rangeEnd.distance(from: rangeStart), d < Int.max else { return nil }
        return d + 1 - (contains(gateway) ? 1 : 0)
    }
}
