import CNI
import Glibc
import LinuxNet
import NetAddress
import Netlink
import PluginKit
import Posix

/// Finding the node's device and moving it between the node and a container.
struct HostDevices {
    var host: NetworkStack
    var sysfs: HostDeviceConfig.SysFS

    /// The device `selector` names, in the node's namespace.
    func find(_ selector: HostDeviceConfig.Selector) throws -> Link {
        let found: Link?
        switch selector {
        case .name(let name):
            found = try host.netlink.link(named: name)
        case .mac(let mac):
            found = try host.netlink.links().first { $0.mac == mac }
        case .kernelPath(let path):
            found = try firstLink(in: path + "/net")
        case .pci(let address):
            var directory = sysfs.pci + "/" + address + "/net"
            if !HostDeviceConfig.exists(directory) {
                // virtio devices list their interface one level down (virtio<N>/net).
                let base = sysfs.pci + "/" + address
                guard let virtio = Self.entries(of: base).first(where: { $0.hasPrefix("virtio") && HostDeviceConfig.exists(base + "/" + $0 + "/net") }) else {
                    throw PluginError(.internal, "failed to find host device: no net directory under pci device \(address)")
                }
                directory = base + "/" + virtio + "/net"
            }
            found = try firstLink(in: directory)
        case .auxiliary(let name):
            found = try firstLink(in: sysfs.auxiliary + "/" + name + "/net")
        }
        guard let found else { throw PluginError(.internal, "failed to find host device: failed to find physical interface") }
        return found
    }

    /// The first interface listed in a sysfs `net` directory (sorted, as Go's `os.ReadDir`).
    private func firstLink(in directory: String) throws -> Link? {
        guard HostDeviceConfig.exists(directory) else {
            throw PluginError(.internal, "failed to find host device: failed to find network devices at \"\(directory)\"")
        }
        guard let name = Self.entries(of: directory).first else {
            throw PluginError(.internal, "failed to find host device: failed to find network device in path \(directory)")
        }
        return try host.netlink.link(named: name)
    }

    /// The names in `directory`, sorted bytewise; [] when it cannot be read.
    static func entries(of directory: String) -> [String] {
        let names = ((try? Files.entries(ofDirectory: directory)) ?? nil)?.map(\.name) ?? []
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Moves `device` into `container` as `name`, its node name saved as the alias, and brings it
    /// up there. One request: `ip link set <dev> netns <ctr> name <name> alias <node name>`.
    static func moveIn(_ device: Link, as name: String, into container: NetworkStack, from host: NetworkStack) throws -> Link {
        do {
            try host.netlink.setLink(device, LinkChanges(name: name, alias: device.name, namespaceFD: container.namespace.descriptor))
        } catch {
            throw InterfaceError(
                .systemFailure, interface: device.name, message: "failed to move link \"\(device.name)\" into the container as \"\(name)\"",
                cause: error)
        }
        guard let moved = try container.netlink.link(named: name) else {
            throw InterfaceError(.linkNotFound, interface: name, message: "\"\(name)\" not found in the container after the move")
        }
        do {
            try container.netlink.setUp(moved)
        } catch {
            _ = try? moveOut(named: name, from: container, to: host)
            throw InterfaceError(.systemFailure, interface: name, message: "failed to set \"\(name)\" up", cause: error)
        }
        return try container.netlink.link(index: moved.index) ?? moved
    }

    /// Moves the container's `name` back to the node under the name its alias keeps, and clears
    /// the alias; the device stays down there. One request: `ip link set <name> netns <node>
    /// name <alias> alias ""`. False when the container has no such link.
    @discardableResult
    static func moveOut(named name: String, from container: NetworkStack, to host: NetworkStack) throws -> Bool {
        guard let link = try container.netlink.link(named: name) else { return false }
        guard let original = link.alias else {
            throw PluginError(.internal, "failed to find original ifname for \"\(name)\" (alias is not set)")
        }
        do {
            try container.netlink.setLink(link, LinkChanges(up: false, name: original, alias: "", namespaceFD: host.namespace.descriptor))
        } catch let error as NetlinkError where error.isNotFound {
            return false
        } catch {
            throw InterfaceError(.systemFailure, interface: name, message: "failed to move \"\(name)\" back to the node as \"\(original)\"", cause: error)
        }
        return true
    }

    /// A device the kernel gave back to the node when the container's namespace went away: it
    /// keeps the container's name (or `dev<N>` when that was taken) and our alias, which names it
    /// on the node. The one for this request is found by its alias matching the config's device
    /// or by the config's other selectors; it gets its name back and loses the alias.
    static func reclaim(context: PluginContext, host: NetworkStack) throws {
        let selector = (try? HostDeviceConfig(context.config))?.selector
        for link in try host.netlink.links() {
            guard let original = link.alias, original != link.name, !link.isUp else { continue }
            let ours: Bool
            switch selector {
            case .name(let name)?: ours = original == name
            case .mac(let mac)?: ours = link.mac == mac
            default: ours = link.name == context.ifName
            }
            guard ours else { continue }
            try host.netlink.setLink(link, LinkChanges(name: original, alias: ""))
            return
        }
    }
}
