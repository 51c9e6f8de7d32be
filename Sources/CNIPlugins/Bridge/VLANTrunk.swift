import CNI

/// `vlanTrunk`: a list of `{"id": N}` and `{"minID": A, "maxID": B}` items (both forms may share
/// one item), read as the reference's `collectVlanTrunk` (taken from ovs-cni) reads it, with its
/// messages: every id in 1...4094, ranges inclusive, the result sorted without duplicates.
enum VLANTrunk {
    static func collect(_ items: [JSONValue]?) throws(BridgeError) -> [UInt16] {
        guard let items else { return [] }
        var ids = Set<UInt16>()
        for (index, item) in items.enumerated() {
            guard let object = item.objectValue else {
                throw BridgeError(.decoding, "network config: \"vlanTrunk.\(index)\" must be an object, found \(item.kindDescription)")
            }
            let r = ConfigReader(object, path: "vlanTrunk.\(index)")
            let minID = try r.int("minID"), maxID = try r.int("maxID"), id = try r.int("id")
            switch (minID, maxID) {
            case let (low?, high?):
                guard valid(low) else { throw .config("incorrect trunk minID parameter") }
                guard valid(high) else { throw .config("incorrect trunk maxID parameter") }
                guard high >= low else { throw .config("minID is greater than maxID in trunk parameter") }
                for v in low...high { ids.insert(UInt16(v)) }
            case (nil, _?):
                throw .config("minID and maxID should be configured simultaneously, minID is missing")
            case (_?, nil):
                throw .config("minID and maxID should be configured simultaneously, maxID is missing")
            case (nil, nil):
                break
            }
            if let id {
                guard valid(id) else { throw .config("incorrect trunk id parameter") }
                ids.insert(UInt16(id))
            }
        }
        return ids.sorted()
    }

    private static func valid(_ id: Int) -> Bool { (1...4094).contains(id) }
}
