import CNI

/// `vlanTrunk`: a list of `{"id": N}` and `{"minID": A, "maxID": B}` items (both forms may share
/// one item), read as the reference's `collectVlanTrunk` (taken from ovs-cni) reads it, with its
/// messages: every id in 1...4094, ranges inclusive, the result sorted without duplicates.
enum VLANTrunk {
    /// The reference's `VlanTrunk`: three `*int`.
    static let fields: GoFields = ["minID", "maxID", "id"]

    /// `vlanTrunk` (a Go `[]*VlanTrunk`).
    static func collect(_ value: GoValue) throws -> [UInt16] {
        var ids = Set<UInt16>()
        for item in try value.slice() ?? [] {
            guard let o = try item.pointee?.object(fields) else { continue }
            let minID = try o["minID"].pointee?.int(), maxID = try o["maxID"].pointee?.int(), id = try o["id"].pointee?.int()
            switch (minID, maxID) {
            case let (low?, high?):
                guard valid(low) else { throw BridgeError.config("incorrect trunk minID parameter") }
                guard valid(high) else { throw BridgeError.config("incorrect trunk maxID parameter") }
                guard high >= low else { throw BridgeError.config("minID is greater than maxID in trunk parameter") }
                for v in low...high { ids.insert(UInt16(v)) }
            case (nil, _?):
                throw BridgeError.config("minID and maxID should be configured simultaneously, minID is missing")
            case (_?, nil):
                throw BridgeError.config("minID and maxID should be configured simultaneously, maxID is missing")
            case (nil, nil):
                break
            }
            if let id {
                guard valid(id) else { throw BridgeError.config("incorrect trunk id parameter") }
                ids.insert(UInt16(id))
            }
        }
        return ids.sorted()
    }

    private static func valid(_ id: Int) -> Bool { (1...4094).contains(id) }
}
