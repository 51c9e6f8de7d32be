import NetAddress

/// A pool of disjoint ranges of one family. ADD takes one address from each range set.
public struct RangeSet: Hashable, Sendable, CustomStringConvertible {
    public let ranges: [IPRange]

    /// Validates a set as the reference does: non-empty, one family, no overlap inside it.
    public init(_ specs: [RangeSpec]) throws {
        guard !specs.isEmpty else { throw HostLocalError.config("empty range set") }
        var ranges: [IPRange] = []
        for spec in specs {
            let r = try spec.canonicalized()
            if let first = ranges.first, first.family != r.family {
                throw HostLocalError.config("mixed address families")
            }
            ranges.append(r)
        }
        for i in ranges.indices {
            for j in ranges.indices where j > i && ranges[i].overlaps(ranges[j]) {
                throw HostLocalError.config("subnets \(ranges[i]) and \(ranges[j]) overlap")
            }
        }
        self.ranges = ranges
    }

    /// A set of already-validated ranges (tests, and sets read back from a config we produced).
    public init(validated ranges: [IPRange]) {
        precondition(!ranges.isEmpty)
        self.ranges = ranges
    }

    public var family: IPFamily { ranges[0].family }

    /// `start-end,start-end`, as the reference prints a set.
    public var description: String { ranges.map(\.description).joined(separator: ",") }

    /// The range holding `ip`, if any.
    public func range(for ip: IPAddress) -> IPRange? {
        ranges.first { $0.contains(ip) }
    }

    public func contains(_ ip: IPAddress) -> Bool { range(for: ip) != nil }

    public func overlaps(_ other: RangeSet) -> Bool {
        ranges.contains { r in other.ranges.contains { r.overlaps($0) } }
    }

    /// Addresses that can be leased from the whole set; nil when too many to count (big IPv6 ranges).
    public var usableCount: Int? {
        var total = 0
        for r in ranges {
            guard let n = r.usableCount else { return nil }
            let (sum, overflow) = total.addingReportingOverflow(n)
            if overflow { return nil }
            total = sum
        }
        return total
    }
}
