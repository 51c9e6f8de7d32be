import Foundation
import LinuxNet
import NetAddress
import Netlink
import SystemPackage

/// An in-memory Linux network stack for running a plugin's verbs in-process, without root: any
/// number of namespaces, each with links (veth pairs across namespaces, bridges and their ports
/// and VLANs, other kinds as given), addresses with their connected routes, routes, sysctls, an
/// nftables ruleset and a conntrack log, answered over netlink as the kernel answers (rtnetlink,
/// nftables batches and dumps, ctnetlink). `FakeHost` hands it to a plugin as its host resources.
///
/// Every operation a plugin asks of it (a netlink request, a sysctl read or write, an nftables
/// message, a program run, an IPAM call) is a ``FakeStep`` in the ``journal``, and any one of them
/// can be made to fail (``fail(_:errno:)``), which is how tests drive an ADD into each of its
/// failure paths. Thread-safe: plugins work from several threads at once.
public final class FakeKernel: @unchecked Sendable {
    private let lock = NSRecursiveLock()
    private var namespaces: [FakeNamespace] = []
    private var steps: [FakeStep] = []
    private var counts: [String: Int] = [:]
    private var faults: [FakeStep: Errno] = [:]
    private var nextReference: Int32 = 0x4000_0000
    var nextMAC: UInt16 = 1

    public init() {}

    /// Runs `body` with the kernel locked.
    func locked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    // MARK: namespaces

    /// A new namespace with `lo` (down, as in a new namespace). `path` is what a plugin opens it
    /// by (`CNI_NETNS`); `name` labels its steps.
    @discardableResult
    public func addNamespace(_ name: String, path: String? = nil) -> FakeNamespace {
        locked {
            nextReference += 1
            let namespace = FakeNamespace(name: name, path: path ?? "/fake/netns/\(name)", reference: nextReference)
            namespaces.append(namespace)
            return namespace
        }
    }

    /// Removes a namespace with everything in it (a veth's peer elsewhere goes too, as in Linux).
    public func removeNamespace(_ namespace: FakeNamespace) {
        locked {
            for link in namespace.links { _ = deleteLink(link.link.index, in: namespace) }
            namespaces.removeAll { $0 === namespace }
        }
    }

    /// Removes the file of `namespace` while something still holds it: its path opens nothing
    /// any more, but its links live on (a veth's host end among them).
    public func unmount(_ namespace: FakeNamespace) {
        locked { namespace.isMounted = false }
    }

    /// The namespace opened at `path`, nil when none is there.
    public func namespace(path: String) -> FakeNamespace? {
        locked { namespaces.first { $0.path == path && $0.isMounted } }
    }

    func namespace(reference: Int32) -> FakeNamespace? {
        namespaces.first { $0.reference == reference }
    }

    // MARK: steps and faults

    /// Every operation asked of the fake so far, in order.
    public var journal: [FakeStep] { locked { steps } }

    /// Makes `step` fail with `errno` when it comes (once).
    public func fail(_ step: FakeStep, errno: Errno = .ioError) {
        locked { faults[step] = errno }
    }

    /// Records one operation; returns the errno it must fail with, if a fault is set for it.
    func step(_ label: String) -> Errno? {
        locked {
            let occurrence = (counts[label] ?? 0) + 1
            counts[label] = occurrence
            let step = FakeStep(label: label, occurrence: occurrence)
            steps.append(step)
            return faults.removeValue(forKey: step)
        }
    }

    /// A locally administered unicast MAC address, new each time.
    func newMAC() -> MACAddress {
        nextMAC &+= 1
        return MACAddress(bytes: [0x02, 0xfa, 0xce, 0x00, UInt8(nextMAC >> 8), UInt8(nextMAC & 0xff)])!
    }

    // MARK: what a plugin gets

    /// A stack on `namespace`: an rtnetlink socket the fake answers, its sysctls, and a detached
    /// namespace handle that nothing can enter.
    public func stack(_ namespace: FakeNamespace) -> NetworkStack {
        NetworkStack(
            namespace: .detached(path: namespace.path, reference: namespace.reference),
            netlink: RouteNetlink(transport: transport(namespace)),
            sysctls: { body in try body(FakeSysctls(kernel: self, namespace: namespace)) })
    }

    /// A netlink socket of `proto` in `namespace`: rtnetlink, or netfilter (nftables and
    /// conntrack requests, told apart by their subsystem).
    public func transport(_ namespace: FakeNamespace, _ proto: NetlinkProtocol = .route) -> FunctionTransport {
        guard proto == .netfilter else {
            return FunctionTransport { [self] request in handleRoute(request, in: namespace) }
        }
        let nftables = FakeNFTSession(kernel: self, namespace: namespace)
        return FunctionTransport { [self] request in
            switch request.type >> 8 {
            case 1, 2: return handleConntrack(request, in: namespace)  // NFNL_SUBSYS_CTNETLINK(_EXP)
            default: return try nftables.handle(request)  // NFNL_SUBSYS_NFTABLES, and the batch messages
            }
        }
    }

    /// ctnetlink: dumps list no entries, deletions find none; each request is recorded.
    private func handleConntrack(_ request: NetlinkMessage, in namespace: FakeNamespace) -> [[UInt8]] {
        if let errno = step("\(namespace.name) conntrack \(request.type & 0xff)") {
            return [NetlinkReplies.error(errno, to: request, extendedAck: "injected fault")]
        }
        locked { namespace.conntrackRequests.append(request) }
        if request.flags & 0x300 == 0x300 { return [NetlinkReplies.done(answering: request)] }  // NLM_F_DUMP
        return [NetlinkReplies.error(.noSuchFileOrDirectory, to: request)]
    }
}

/// One operation asked of a fake: a label naming the namespace (or IPAM, or the programs) and the
/// kind of request, and which occurrence of that label it is. Labels carry no generated names
/// (random veth names differ between runs), so a run's steps name the same operations in the
/// next run of the same verb.
public struct FakeStep: Hashable, Sendable, CustomStringConvertible {
    public var label: String
    public var occurrence: Int

    public init(label: String, occurrence: Int) {
        self.label = label
        self.occurrence = occurrence
    }

    public var description: String { "\(label) #\(occurrence)" }
}

/// One network namespace of a ``FakeKernel``. Read it through the kernel's lock
/// (``FakeNamespace/snapshot``).
public final class FakeNamespace: @unchecked Sendable {
    public let name: String
    public let path: String
    /// What requests that place a link here name it by (`IFLA_NET_NS_FD`).
    public let reference: Int32

    var links: [FakeLink] = []
    var addresses: [Address] = []
    var routes: [Route] = []
    var sysctlValues: [String: String] = [:]
    var nftables = FakeNFTRuleset()
    var conntrackRequests: [NetlinkMessage] = []
    var nextIndex: Int32 = 2
    var isMounted = true

    init(name: String, path: String, reference: Int32) {
        self.name = name
        self.path = path
        self.reference = reference
        links.append(FakeLink(link: Link(index: 1, name: "lo", flags: .loopback, mtu: 65536, mac: .zero, hardwareType: 772)))
    }

    func link(named name: String) -> FakeLink? { links.first { $0.link.name == name } }
    func linkIndex(_ index: Int32) -> Int? { links.firstIndex { $0.link.index == index } }
}

/// A link of a fake namespace: as the kernel reports it, plus what the fake keeps on the side.
struct FakeLink {
    var link: Link
    /// A veth's other end: its namespace's reference and its index there.
    var peer: (namespace: Int32, index: Int32)?
    /// A bridge port's (or bridge's) VLANs.
    var vlans: [BridgeVLAN] = []
    var isUp: Bool { link.flags.contains(.up) }
}
