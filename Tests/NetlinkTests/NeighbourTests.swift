import CNITestSupport
import Foundation
import NetAddress
import Netlink
import Testing

@Suite struct NeighbourGoldenBytes {
    @Test func replacePermanentEntry() {
        let neighbour = Neighbour(address: IPAddress("10.1.0.7")!, mac: MACAddress("0a:58:0a:01:00:07"), index: 3)
        #expect(hexString(NetlinkRequest.replaceNeighbour(neighbour).bytes) == hexString(hex(
            "30000000 1c00 0505 00000000 00000000",   // nlmsghdr: 48 B, RTM_NEWNEIGH, REQUEST|ACK|REPLACE|CREATE
            "02 00 0000 03000000 8000 00 00",         // ndmsg: AF_INET, index 3, NUD_PERMANENT
            "0800 0100 0a010007",                     // NDA_DST 10.1.0.7
            "0a00 0200 0a580a010007 0000"             // NDA_LLADDR
        )))
    }

    @Test func deleteAndDump() {
        let neighbour = Neighbour(address: IPAddress("fd00::7")!, mac: MACAddress("0a:58:0a:01:00:07"), index: 3)
        #expect(hexString(NetlinkRequest.deleteNeighbour(neighbour).bytes) == hexString(hex(
            "30000000 1d00 0500 00000000 00000000",   // nlmsghdr: 48 B, RTM_DELNEIGH, REQUEST|ACK
            "0a 00 0000 03000000 0000 00 00",         // ndmsg: AF_INET6, index 3
            "1400 0100 fd000000 00000000 00000000 00000007" // NDA_DST fd00::7
        )))
        #expect(hexString(NetlinkRequest.dumpNeighbours(family: .v4, index: 3).bytes) == hexString(hex(
            "24000000 1e00 0103 00000000 00000000",   // nlmsghdr: 36 B, RTM_GETNEIGH dump
            "02 00 0000 00000000 0000 00 00",         // ndmsg: AF_INET (index must be 0 in dumps)
            "0800 0800 03000000"                      // NDA_IFINDEX 3
        )))
    }

    @Test func roundTrip() throws {
        let entries = [
            Neighbour(address: IPAddress("10.1.0.7")!, mac: MACAddress("0a:58:0a:01:00:07"), index: 3, state: .reachable, flags: 0x80),
            Neighbour(address: IPAddress("fd00::1")!, index: 9, state: .incomplete),
        ]
        for entry in entries { #expect(try Neighbour(message: entry.message) == entry) }
    }
}

@Suite(.enabled(if: isPrivileged)) struct KernelNeighbourTests {
    @Test func replaceDumpDelete() throws {
        try withNetlinkNamespace { ns, netlink in
            try ns.ip("link", "add", "d0", "type", "veth", "peer", "name", "d1")
            try ns.ip("link", "set", "d0", "up")
            let link = try #require(try netlink.link(named: "d0"))
            let entry = Neighbour(address: IPAddress("10.1.0.7")!, mac: MACAddress("0a:58:0a:01:00:07"), index: link.index)
            try netlink.replaceNeighbour(entry)
            try netlink.replaceNeighbour(entry)  // replace is idempotent
            let json = try #require(try ns.ipJSON(["neigh", "show", "dev", "d0"]).first)
            #expect(json.string("dst") == "10.1.0.7" && json.string("lladdr") == "0a:58:0a:01:00:07")
            #expect(json.strings("state") == ["PERMANENT"])
            #expect(try netlink.neighbours(family: .v4, index: link.index) == [entry])
            try netlink.deleteNeighbour(entry)
            #expect(try netlink.neighbours(family: .v4, index: link.index).isEmpty)
            let missing = try #require(throws: NetlinkError.self) { try netlink.deleteNeighbour(entry) }
            #expect(missing.isNotFound)
        }
    }
}
