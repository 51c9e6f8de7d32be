import NetAddress

/// The reference's round-robin walk over a range set: starts right after the last reserved address
/// (or at the first range's start), goes range by range, wraps from the last range to the first,
/// skips each range's gateway, and ends when it comes back to where it started. So a crash-looping
/// container does not get its previous address back until the whole set has been used.
public struct RangeIterator: IteratorProtocol, Sequence {
    private let ranges: [IPRange]
    private var rangeIndex = 0
    private var current: IPAddress?
    private var startIP: IPAddress?

    /// `lastReserved` is ignored unless it lies in the set (the set may have changed since).
    public init(rangeSet: RangeSet, lastReserved: IPAddress?) {
        ranges = rangeSet.ranges
        if let last = lastReserved, let i = ranges.firstIndex(where: { $0.contains(last) }) {
            rangeIndex = i
            current = last
        } else {
            startIP = ranges[0].rangeStart
        }
    }

    /// The next candidate address and its range, or nil once every address has been offered.
    public mutating func next() -> (address: IPAddress, range: IPRange)? {
        while true {
            var r = ranges[rangeIndex]
            guard let cur = current else {
                // First step without a last reserved address: rangeStart is itself a candidate.
                current = r.rangeStart
                startIP = r.rangeStart
                if r.rangeStart == r.gateway { continue }
                return (r.rangeStart, r)
            }
            let candidate: IPAddress
            if cur == r.rangeEnd {
                rangeIndex = (rangeIndex + 1) % ranges.count
                r = ranges[rangeIndex]
                candidate = r.rangeStart
            } else {
                candidate = cur.next
            }
            current = candidate
            if let start = startIP {
                if candidate == start { return nil }
            } else {
                startIP = candidate
            }
            if candidate == r.gateway { continue }
            return (candidate, r)
        }
    }
}
