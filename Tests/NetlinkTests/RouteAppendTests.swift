import NetAddress
import Netlink
import Testing

/// `ip route append` is `ip route add` with NLM_F_APPEND instead of NLM_F_EXCL (iproute2's
/// `iproute_modify` sends NLM_F_CREATE|NLM_F_APPEND for "append"), the same attributes otherwise.
@Suite struct RouteAppendTests {
    @Test func appendDiffersFromAddOnlyInTheFlags() {
        let route = Route(destination: IPNetwork("192.168.0.0/16")!, gateway: IPAddress("10.1.0.1"), outputInterface: 3)
        let add = NetlinkRequest.newRoute(route)
        let append = NetlinkRequest.appendRoute(route)
        #expect(add.flags == 0x0605)  // REQUEST | ACK | EXCL | CREATE
        #expect(append.flags == 0x0C05)  // REQUEST | ACK | CREATE | APPEND
        #expect(Array(append.bytes[8...]) == Array(add.bytes[8...]))
        #expect(append.bytes.prefix(6) == add.bytes.prefix(6))
        #expect(append.operation == "append route 192.168.0.0/16 via 10.1.0.1 dev #3")
    }
}
