import CNI
import Glibc
import LinuxNet
import Netlink
import SystemPackage

/// A lease's view of the container's interface for one piece of work: a netlink socket and a
/// packet socket, both created inside the container's namespace on a short-lived thread
/// (`NetworkNamespace.perform`) and then used from the lease's own thread, which never enters
/// the namespace. The namespace is opened by path each time, so the daemon never keeps a
/// container's namespace alive; a path that now holds another namespace counts as gone.
struct LeaseNetwork {
    let netlink: RouteNetlink
    let link: Link
    let socket: PacketSocket?

    /// Why the interface cannot be reached: it (or its namespace) is gone, or something failed.
    enum Failure: Error, CustomStringConvertible {
        case gone(String)
        case failed(String)

        var description: String {
            switch self {
            case .gone(let s), .failed(let s): return s
            }
        }
    }

    /// Opens the namespace at `path` (which must still be `identity`, when given), finds
    /// `ifName`, and with `socket` a packet socket on it.
    static func open(path: String, identity: NamespaceKey?, ifName: String, socket wantSocket: Bool) throws -> (LeaseNetwork, NamespaceKey) {
        let namespace: NetworkNamespace
        let current: NamespaceKey
        do {
            namespace = try NetworkNamespace.open(path: path)
            current = NamespaceKey(try namespace.identity)
        } catch where error.code == .notFound {
            throw Failure.gone("network namespace \(path) is gone")
        } catch {
            throw Failure.failed("\(error)")
        }
        if let identity, identity != current { throw Failure.gone("network namespace \(path) is gone (the path now holds another)") }
        let opened: (Int32, PacketSocket?)
        do {
            opened = try namespace.perform { () throws -> (Int32, PacketSocket?) in
                let fd: Int32
                do throws(Errno) {
                    fd = try SocketTransport.openDescriptor()
                } catch {
                    throw Failure.failed("cannot open a netlink socket in \(path): \(error)")
                }
                guard wantSocket else { return (fd, nil) }
                let index = if_nametoindex(ifName)
                guard index != 0 else {
                    close(fd)
                    throw Failure.gone("error looking up \(goQuote(ifName)): Link not found")
                }
                do {
                    return (fd, try PacketSocket(interfaceIndex: Int32(index)))
                } catch {
                    close(fd)
                    throw Failure.failed("\(error)")
                }
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure.failed("\(error)")
        }
        let netlink: RouteNetlink
        do {
            netlink = RouteNetlink(transport: try SocketTransport(adopting: opened.0))
        } catch {
            throw Failure.failed("cannot use a netlink socket in \(path): \(error)")
        }
        let link: Link?
        do {
            link = try netlink.link(named: ifName)
        } catch {
            throw Failure.failed("error looking up \(goQuote(ifName)): \(error)")
        }
        guard let link else { throw Failure.gone("error looking up \(goQuote(ifName)): Link not found") }
        if let socket = opened.1, socket.interfaceIndex != link.index {
            throw Failure.gone("interface \(ifName) changed while opening it")
        }
        return (LeaseNetwork(netlink: netlink, link: link, socket: opened.1), current)
    }

    var mac: [UInt8] { link.mac.map { Array($0.bytes) } ?? [] }
}

/// A namespace's identity (device and inode of its nsfs file), kept with a lease.
struct NamespaceKey: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64

    init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    init(_ identity: NamespaceIdentity) { self.init(device: identity.device, inode: identity.inode) }
}
