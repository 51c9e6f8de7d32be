import CNITestSupport
import Foundation
import LinuxNet
import Netlink

/// Runs `body` with a netlink client bound in a fresh throwaway namespace (deleted afterwards,
/// even when `body` throws). Nothing here touches the machine's own namespace.
func withNetlinkNamespace<T>(_ body: (TestNamespace, RouteNetlink) throws -> T) throws -> T {
    try withTestNamespaces(1, prefix: "nl") { namespaces in
        let netlink = try NetworkNamespace.open(path: namespaces[0].path).openNetlink()
        return try body(namespaces[0], netlink)
    }
}

extension TestNamespace {
    /// `ip -j -d link show dev <name>`, decoded (first entry).
    func ipLink(_ name: String) throws -> [String: Any] {
        try ipJSON(["-d", "link", "show", "dev", name]).first ?? [:]
    }

    /// `bridge -j <args>` in this namespace, decoded.
    func bridgeJSON(_ args: [String]) throws -> [[String: Any]] {
        let out = try Command.check(["bridge", "-n", name, "-j"] + args)
        guard !out.isEmpty else { return [] }
        return (try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]]) ?? []
    }

    /// Creates a link with iproute2 (test set-up only).
    func ip(_ args: String...) throws {
        try Command.check(["ip", "-n", name] + args)
    }
}

extension Dictionary where Key == String, Value == Any {
    /// A nested value by path (`j["linkinfo", "info_kind"]`).
    subscript(path: String...) -> Any? {
        var current: Any? = self
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }

    func int(_ key: String) -> Int? { (self[key] as? NSNumber)?.intValue }
    func string(_ key: String) -> String? { self[key] as? String }
    func strings(_ key: String) -> [String] { self[key] as? [String] ?? [] }
}
