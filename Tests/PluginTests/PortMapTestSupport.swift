import CNITestSupport
import Foundation
import NetAddress

@testable import PortMap

/// Fixtures shared by the portmap kernel tests.
enum PortMapFixtures {
    static func attachment(
        _ id: String, network: String = "mynet", ifName: String = "eth0", v4: String? = "10.88.0.2/16",
        v6: String? = "fd00:88::2/64", mappings: [PortMapping] = standardMappings, options: PortMapOptions = PortMapOptions()
    ) -> PortMapAttachment {
        PortMapAttachment(
            network: network, containerID: id, ifName: ifName,
            addresses: [v4, v6].compactMap { $0.flatMap(IPNetwork.init) }, mappings: mappings, options: options)
    }

    static let standardMappings = [
        PortMapping(proto: .tcp, hostPort: 8080, containerPort: 80),
        PortMapping(proto: .udp, hostPort: 5300, containerPort: 53),
    ]

    /// Only the identity, as a DEL without prevResult and runtimeConfig knows it.
    static func identity(_ a: PortMapAttachment) -> PortMapAttachment {
        PortMapAttachment(network: a.network, containerID: a.containerID, ifName: a.ifName)
    }

    /// A rule comment, hashed by coreutils rather than by us.
    static func comment(_ a: PortMapAttachment) throws -> String {
        try sha512Prefix(a.network, 16) + "-" + sha512Prefix("\(a.ifName):\(a.containerID)", 16)
            + ", net: \(a.network), if: \(a.ifName), id: \(a.containerID)"
    }
}
