import HostLocal

/// What host-local reads back from its data directory: a lease file's content, a bucket of the
/// lease index and the index's `state` file. Properties: none of them traps on any bytes; an
/// owner read from a lease is written back to the same bytes' meaning; a bucket or state that
/// decodes encodes to something that decodes to the same thing (so a torn or foreign file can
/// only read as "no cache", never as different leases).
enum LeaseFuzz {
    static func run(_ bytes: [UInt8]) {
        if let owner = LeaseOwner.parse(leaseContent: bytes) {
            fuzzCheck(LeaseOwner.parse(leaseContent: Array(owner.leaseContent.utf8)) == owner, "lease owner round trip: \(owner)")
            _ = owner.legacy
        }
        if let entries = LeaseIndex.decode(bytes) {
            fuzzCheck(LeaseIndex.decode(LeaseIndex.encode(entries)) == entries, "bucket round trip")
        }
        if let state = LeaseIndex.decodeState(bytes) {
            let again = LeaseIndex.decodeState(LeaseIndex.encodeState(state.stamp, hashes: state.hashes, ownerless: state.ownerless))
            fuzzCheck(again?.stamp == state.stamp && again?.hashes == state.hashes && again?.ownerless == state.ownerless, "state round trip")
        }
    }
}
