import CNITestSupport
import Foundation
import LinuxNet
import NetAddress
import Netlink
import Testing

/// Address verbs against the real kernel, checked with `ip -j addr`.
@Suite(.enabled(if: isPrivileged)) struct KernelAddressTests {
    @Test func addDumpDeleteIPv4AndIPv6() throws {
        try withNetlinkNamespace { ns, netlink in
            try ns.ip("link", "add", "d0", "type", "ifb")
            try ns.ip("link", "set", "d0", "up")
            let link = try #require(try netlink.link(named: "d0"))
            try netlink.addAddress(Address(IPNetwork("10.22.0.5/16")!, index: link.index))
            try netlink.addAddress(Address(IPNetwork("fd00:1::5/64")!, index: link.index, flags: [.noDAD, .noPrefixRoute]))

            let infos = (try ns.ipJSON(["addr", "show", "dev", "d0"]).first?["addr_info"] as? [[String: Any]]) ?? []
            let v4 = try #require(infos.first { $0.string("family") == "inet" })
            #expect(v4.string("local") == "10.22.0.5" && v4.int("prefixlen") == 16)
            #expect(v4.string("broadcast") == "10.22.255.255")
            let v6 = try #require(infos.first { $0.string("local") == "fd00:1::5" })
            #expect(v6["nodad"] as? Bool == true && v6["noprefixroute"] as? Bool == true)

            let mine = try netlink.addresses(index: link.index)
            let dumpedV4 = try #require(mine.first { $0.family == .v4 })
            #expect(dumpedV4.network.description == "10.22.0.5/16" && dumpedV4.broadcast == IPAddress("10.22.255.255"))
            #expect(dumpedV4.label == "d0" && dumpedV4.scope == .universe && dumpedV4.flags.contains(.permanent))
            let dumpedV6 = try #require(mine.first { $0.network.description == "fd00:1::5/64" })
            #expect(dumpedV6.flags.isSuperset(of: [.noDAD, .noPrefixRoute, .permanent]) && !dumpedV6.isTentative)
            #expect(try netlink.addresses(family: .v4).contains { $0.network.description == "10.22.0.5/16" })
            #expect(try netlink.addresses(family: .v6, index: link.index).allSatisfy { $0.family == .v6 })

            let duplicate = try #require(throws: NetlinkError.self) {
                try netlink.addAddress(Address(IPNetwork("10.22.0.5/16")!, index: link.index))
            }
            #expect(duplicate.isExists)

            try netlink.deleteAddress(dumpedV4)
            try netlink.deleteAddress(dumpedV6)
            #expect(try netlink.addresses(index: link.index).allSatisfy { !$0.network.address.isGlobalUnicast })
            let missing = try #require(throws: NetlinkError.self) { try netlink.deleteAddress(dumpedV4) }
            #expect(missing.isNotFound)
        }
    }
}
