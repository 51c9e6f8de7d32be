import CNetlinkShim
import Glibc
import Netlink
import SystemPackage

/// Persistent tap devices, made through `/dev/net/tun` (the kernel does not create tun/tap links
/// over rtnetlink). The device belongs to the namespace of the thread that opens `/dev/net/tun`,
/// so creation runs on a thread inside the target namespace (``NetworkNamespace/perform(_:)``).
public enum TapDevice {
    /// What to create: `ip tuntap add mode tap name <name> [multi_queue] [user U] [group G]`, with
    /// the header options `ip tuntap` leaves out by default (`pi`, `vnet_hdr`) as flags.
    public struct Options: Hashable, Sendable {
        public var multiQueue: Bool
        /// Frames carry the 4-byte packet information header (no `IFF_NO_PI`).
        public var packetInfo: Bool
        /// Frames carry a virtio-net header (`IFF_VNET_HDR`).
        public var vnetHeader: Bool
        /// `TUNSETOWNER`; nil leaves the device open to any user with the capability.
        public var owner: UInt32?
        /// `TUNSETGROUP`.
        public var group: UInt32?

        public init(
            multiQueue: Bool = false, packetInfo: Bool = false, vnetHeader: Bool = false, owner: UInt32? = nil,
            group: UInt32? = nil
        ) {
            self.multiQueue = multiQueue
            self.packetInfo = packetInfo
            self.vnetHeader = vnetHeader
            self.owner = owner
            self.group = group
        }

        var flags: Int32 {
            var flags = cni_iff_tap()
            if !packetInfo { flags |= cni_iff_no_pi() }
            if vnetHeader { flags |= cni_iff_vnet_hdr() }
            if multiQueue { flags |= cni_iff_multi_queue() }
            return flags
        }
    }

    /// Creates the tap `name` inside `namespace` and returns the kernel's name for it. Throws
    /// ``InterfaceError`` (``InterfaceError/Code/nameInUse`` when a link of that name exists).
    @discardableResult
    public static func create(named name: String, _ options: Options, in namespace: NetworkNamespace) throws -> String {
        let outcome = try namespace.perform { () -> Result<String, Errno> in
            var created = [CChar](repeating: 0, count: Int(IFNAMSIZ) + 1)
            let status = cni_tun_create(
                name, options.flags, options.owner.map { Int64($0) } ?? -1, options.group.map { Int64($0) } ?? -1, &created)
            guard status == 0 else { return .failure(Errno(rawValue: errno)) }
            return .success(String(cString: created))
        }
        switch outcome {
        case .success(let created):
            return created
        case .failure(let errno) where errno == .resourceBusy || errno == .fileExists:
            // TUNSETIFF on the name of an existing non-tun link: EBUSY; of a tap owned by someone else: EPERM.
            throw InterfaceError(.nameInUse, interface: name, message: "failed to create tap \"\(name)\": a link of that name exists", cause: errno)
        case .failure(let errno):
            throw InterfaceError(.systemFailure, interface: name, message: "failed to create tap \"\(name)\"", cause: errno)
        }
    }
}
