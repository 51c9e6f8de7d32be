import NetAddress

/// Who holds a lease: the attachment (container ID, interface name). The lease file's content is
/// `<containerID>\r\n<ifname>`; leases written before ifnames were recorded hold the ID alone
/// (`ifname` nil), and the reference still matches those on DEL and CHECK, so we do too.
public struct LeaseOwner: Hashable, Sendable, CustomStringConvertible {
    public let containerID: String
    public let ifname: String?

    /// A validated owner: only these are ever written to disk, so a hostile container ID or ifname
    /// can neither break the file format nor smuggle bytes into a lease.
    public init(containerID: String, ifname: String) throws {
        guard Self.isValidContainerID(containerID) else {
            throw HostLocalError.config("invalid characters in containerID: \(containerID)")
        }
        if let problem = Self.ifnameProblem(ifname) {
            throw HostLocalError.config("invalid interface name \(ifname): \(problem)")
        }
        self.containerID = containerID
        self.ifname = ifname
    }

    /// An owner read back from disk or from a GC list; not validated beyond what parsing needs.
    init(unchecked containerID: String, ifname: String?) {
        self.containerID = containerID
        self.ifname = ifname
    }

    /// The legacy owner (ID only) that the reference falls back to when no (ID, ifname) lease matches.
    public var legacy: LeaseOwner { LeaseOwner(unchecked: containerID, ifname: nil) }

    /// The exact bytes of a lease file: the reference's `strings.TrimSpace(id) + "\r\n" + ifname`.
    public var leaseContent: String {
        guard let ifname else { return containerID }
        return containerID + "\r\n" + ifname
    }

    public var description: String { ifname.map { "\(containerID)/\($0)" } ?? containerID }

    /// Parses a lease file the way the reference compares it: surrounding whitespace trimmed, then
    /// `id\r\nifname` or a bare `id`. nil for content no writer could have produced (empty after a
    /// crash between create and write, NUL-filled after a power cut, control characters): such a
    /// lease names no owner, so GC and an exhausted pool may reclaim it.
    public static func parse(leaseContent bytes: some Collection<UInt8>) -> LeaseOwner? {
        var slice = ArraySlice(bytes)
        while let f = slice.first, isSpace(f) { slice = slice.dropFirst() }
        while let l = slice.last, isSpace(l) { slice = slice.dropLast() }
        guard !slice.isEmpty else { return nil }
        var id = slice
        var ifname: ArraySlice<UInt8>? = nil
        if let cr = slice.firstIndex(of: 13) {
            guard cr + 1 < slice.endIndex, slice[cr + 1] == 10 else { return nil }
            id = slice[slice.startIndex..<cr]
            ifname = slice[(cr + 2)...]
        }
        // Printable, as any ID or ifname a runtime passes is; a stricter check (the spec's regex)
        // would call a real lease of some lenient older runtime garbage and hand its address out twice.
        func printable(_ s: ArraySlice<UInt8>) -> Bool { !s.isEmpty && s.allSatisfy { $0 > 32 && $0 != 127 } }
        guard printable(id), ifname.map(printable) ?? true,
            let idText = String(validating: id, as: UTF8.self)
        else { return nil }
        let ifnameText = ifname.flatMap { String(validating: $0, as: UTF8.self) }
        if ifname != nil && ifnameText == nil { return nil }
        return LeaseOwner(unchecked: idText, ifname: ifnameText)
    }

    /// The spec's container ID rule (`^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$`), which skel enforces too.
    public static func isValidContainerID(_ id: String) -> Bool {
        guard let first = id.utf8.first, isAlnum(first) else { return false }
        return id.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// Why `name` cannot be an interface name (libcni's rules), or nil when it can.
    public static func ifnameProblem(_ name: String) -> String? {
        if name.isEmpty { return "interface name is empty" }
        if name.utf8.count > 15 { return "interface name is too long" }
        if name == "." || name == ".." { return "interface name is . or .." }
        if name.utf8.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") || isSpace($0) || $0 < 32 || $0 == 127 }) {
            return "interface name contains / or : or whitespace characters"
        }
        return nil
    }

    private static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 32 || (c >= 9 && c <= 13) }
}

/// One lease as found on disk: the address (the file name) and its owner, nil when unreadable.
public struct Lease: Hashable, Sendable {
    public var address: IPAddress
    public var owner: LeaseOwner?

    public init(address: IPAddress, owner: LeaseOwner?) {
        self.address = address
        self.owner = owner
    }
}
