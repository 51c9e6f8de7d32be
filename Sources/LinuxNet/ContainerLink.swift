import NetAddress
import Netlink

/// A link of a kind without a peer (macvlan, ipvlan, vlan, dummy) created straight into a
/// container's namespace, named as the container wants it, the way the interface plugins need it.
public enum ContainerLink {
    /// What to create.
    public struct Request {
        /// The kind and its settings.
        public var type: LinkType
        /// The name in the container (CNI_IFNAME).
        public var name: String
        /// The parent (master) link, when the kind has one, and the stack it lives in: the host's,
        /// or the container's own (`linkInContainer`).
        public var parent: Link?
        /// The stack the request goes to: where `parent` lives (the host's for a dummy).
        public var creator: NetworkStack
        /// The container.
        public var container: NetworkStack
        public var mtu: UInt32?
        public var mac: MACAddress?

        public init(
            type: LinkType, name: String, parent: Link? = nil, creator: NetworkStack, container: NetworkStack,
            mtu: UInt32? = nil, mac: MACAddress? = nil
        ) {
            self.type = type
            self.name = name
            self.parent = parent
            self.creator = creator
            self.container = container
            self.mtu = mtu
            self.mac = mac
        }
    }

    /// Random names tried when the container's name is taken in the creator's namespace.
    static let nameAttempts = 10

    /// Creates the link in the container and returns it as the container sees it (down).
    ///
    /// One `RTM_NEWLINK` to the creator's socket with `IFLA_NET_NS_FD` places the link in the
    /// container directly. The kernel looks the new name up in the *creator's* namespace first
    /// (an `eth0` on the node refuses an `eth0` for the container with EEXIST), so when the name is
    /// taken there the link is created under a random `veth…` name and renamed inside the
    /// container, as the reference plugins always do.
    ///
    /// Throws ``InterfaceError`` with ``InterfaceError/Code/nameInUse`` when the container already
    /// has a link of that name, and with ``InterfaceError/Code/systemFailure`` (the kernel's
    /// refusal as the cause) when the creation fails.
    public static func create(_ request: Request) throws -> Link {
        let name = request.name
        let container = request.container.netlink
        if try InterfaceError.wrapping(name, "cannot look up \"\(name)\"", { try container.link(named: name) }) != nil {
            throw InterfaceError(.nameInUse, interface: name, message: "container interface name \"\(name)\" already exists")
        }
        let inContainer = request.creator === request.container
        var spec = LinkSpec(
            name: name, type: request.type, parentIndex: request.parent?.index,
            namespaceFD: inContainer ? nil : request.container.namespace.descriptor, mtu: request.mtu, mac: request.mac)
        do {
            try request.creator.netlink.addLink(spec)
            return try lookUp(name, in: request.container)
        } catch let error as NetlinkError where error.isExists && !inContainer {
            // The name is taken in the creator's namespace, not in the container's (checked above).
        } catch let error as NetlinkError {
            throw InterfaceError(.systemFailure, interface: name, message: "failed to create \(request.type.kind) \"\(name)\"", cause: error)
        }
        for _ in 0..<nameAttempts {
            spec.name = try InterfaceError.wrapping(name, "cannot draw a random name") { try RandomName.veth() }
            do {
                try request.creator.netlink.addLink(spec)
            } catch let error as NetlinkError where error.isExists {
                continue
            } catch {
                throw InterfaceError(.systemFailure, interface: name, message: "failed to create \(request.type.kind) \"\(name)\"", cause: error)
            }
            let temporary = try lookUp(spec.name, in: request.container)
            do {
                try container.rename(temporary, to: name)
            } catch {
                try? container.deleteLink(temporary)
                throw InterfaceError(.systemFailure, interface: name, message: "failed to rename \(request.type.kind) to \"\(name)\"", cause: error)
            }
            return try lookUp(name, in: request.container)
        }
        throw InterfaceError(.nameInUse, interface: name, message: "no free temporary name after \(nameAttempts) random attempts")
    }

    private static func lookUp(_ name: String, in stack: NetworkStack) throws -> Link {
        guard let link = try InterfaceError.wrapping(name, "cannot look up \"\(name)\"", { try stack.netlink.link(named: name) }) else {
            throw InterfaceError(.linkNotFound, interface: name, message: "\"\(name)\" vanished after creation")
        }
        return link
    }

    /// Deletes the link `name` in `stack`; false when there is none (or it vanished on the way).
    /// Equivalent to `ip link del <name>`.
    @discardableResult
    public static func delete(named name: String, in stack: NetworkStack) throws -> Bool {
        try InterfaceError.wrapping(name, "failed to delete \"\(name)\"") { () throws -> Bool in
            do {
                guard let link = try stack.netlink.link(named: name) else { return false }
                try stack.netlink.deleteLink(link)
                return true
            } catch let error as NetlinkError where error.isNotFound {
                return false
            }
        }
    }
}
