import CNI
import LinuxNet
import NetAddress
import Netlink
import PluginKit
import SystemPackage

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "tuning") { TuningPlugin() } }

/// The `tuning` plugin: chained after an interface plugin, it sets sysctls in the container's
/// network namespace and changes the container interface (`CNI_IFNAME`): MAC, MTU, promiscuous and
/// all-multicast mode, transmit queue length. The values it replaces on the interface are saved
/// (``SavedLinkValues``) and put back by DEL; sysctls die with the namespace and are not restored,
/// as in the reference. Options: ``TuningConfig``.
public struct TuningPlugin: CNIPlugin {
    /// The allowlist file (``SysctlAllowlist``); tests point it elsewhere.
    public var allowlistPath: String
    /// The containers' namespaces (their links and sysctls).
    public var resources: HostResources

    public init(allowlistPath: String = "/etc/cni/tuning/allowlist.conf", resources: HostResources = .process) {
        self.allowlistPath = allowlistPath
        self.resources = resources
    }

    public var knownArgs: Set<String>? { ["MAC"] }

    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try TuningConfig(context.config, cniArgs: context.args)
        let keys = try sysctlKeys(config, context)
        if let allowlist = try SysctlAllowlist.load(allowlistPath) {
            for key in keys { try allowlist.check(key.key) }
        }
        var result = try context.config.requirePrevResult()
        let container = try resources.container(context)

        let rollback = Rollback()
        defer { rollback.runIfNeeded() }
        let previous = try setSysctls(zip(keys, config.sysctls.map(\.value)).map { ($0, $1) }, in: container)
        rollback.add { _ = try? self.setSysctls(previous, in: container) }

        if config.changesLink {
            let link = try containerLink(container, context)
            let file = SavedValuesFile(dataDir: config.dataDir, containerID: context.containerID, ifName: context.ifName)
            let current = Self.currentValues(of: link, for: config)
            // A repeated ADD keeps the values of the first: those are the interface's own.
            let earlier = try file.read()
            try file.write(earlier.map { $0.filling(from: current) } ?? current)
            rollback.add { if earlier == nil { try file.remove() } }
            rollback.add { _ = self.restore(current, on: link, container) }
            do {
                try container.netlink.setLink(link, LinkChanges(
                    mtu: config.mtu, mac: config.mac, promiscuous: config.promiscuous ? true : nil,
                    allMulticast: config.allMulticast, txQueueLength: config.txQueueLength))
            } catch {
                throw PluginError.system("tune \(context.ifName)", error)
            }
        }
        if let text = config.macText {
            for i in result.interfaces.indices where result.interfaces[i].name == context.ifName {
                result.interfaces[i].mac = text
            }
        }
        rollback.commit()
        return result
    }

    public func check(_ context: PluginContext) throws {
        let config = try TuningConfig(context.config, cniArgs: context.args)
        let keys = try sysctlKeys(config, context)
        _ = try context.config.requirePrevResult()
        let container = try resources.container(context)
        let current = try container.sysctls { sysctls throws -> [String] in
            try keys.map { key throws -> String in try sysctls.read(key.path) }
        }
        for ((key, want), have) in zip(zip(keys, config.sysctls.map(\.value)), current) where !Self.sameSysctl(want, have) {
            throw PluginError.check("Error: Tuning configured value of \(key.fileName) is \(want), current value is \(have)")
        }
        guard let link = try container.netlink.link(named: context.ifName) else {
            throw PluginError.check("Cannot find container link \(context.ifName)")
        }
        let ifName = context.ifName
        if let mac = config.mac, link.mac != mac {
            throw PluginError.check(
                "Error: Tuning configured Ethernet of \(ifName) is \(config.macText ?? ""), current value is \(link.mac?.description ?? "")")
        }
        // The reference checks promiscuous mode both ways: off unless configured on.
        if link.isPromiscuous != config.promiscuous {
            throw PluginError.check(
                "Error: Tuning link \(ifName) configured promisc is \(config.promiscuous), current value is \(link.isPromiscuous ? 1 : 0)")
        }
        if let mtu = config.mtu, link.mtu != mtu {
            throw PluginError.check("Error: Tuning configured MTU of \(ifName) is \(mtu), current value is \(link.mtu)")
        }
        if let allMulticast = config.allMulticast, link.isAllMulticast != allMulticast {
            throw PluginError.check(
                "Error: Tuning configured all-multicast mode of \(ifName) is \(allMulticast), current value is \(link.isAllMulticast)")
        }
        if let length = config.txQueueLength, link.txQueueLength != length {
            throw PluginError.check(
                "Error: Tuning configured Transmit Queue Length of \(ifName) is \(length), current value is \(link.txQueueLength ?? 0)")
        }
    }

    /// Puts the saved values back and forgets them. Nothing here fails DEL: without the namespace
    /// or the interface there is nothing left to restore, and a value the kernel no longer takes
    /// is reported on stderr (a DEL that can never succeed would keep the pod from going away).
    public func delete(_ context: PluginContext) throws {
        let config = TuningConfig(lenient: context.config)
        let file = SavedValuesFile(dataDir: config.dataDir, containerID: context.containerID, ifName: context.ifName)
        guard let saved = try? file.read() else {
            try? file.remove()  // unreadable: nothing can be restored from it
            return
        }
        if let container = try resources.containerForDelete(context), let link = try container.netlink.link(named: context.ifName) {
            for failure in restore(saved, on: link, container) {
                try? FileDescriptor.standardError.writeAll(Array("tuning: \(failure)\n".utf8))
            }
        }
        try file.remove()
    }

    // MARK: steps

    private func sysctlKeys(_ config: TuningConfig, _ context: PluginContext) throws(PluginError) -> [SysctlKey] {
        try config.sysctls.map { entry throws(PluginError) in try SysctlKey(entry.key, ifName: context.ifName) }
    }

    /// Writes each sysctl in the container; returns what they held before, for a rollback.
    private func setSysctls(_ entries: [(SysctlKey, String)], in container: NetworkStack) throws -> [(SysctlKey, String)] {
        guard !entries.isEmpty else { return [] }
        return try container.sysctls { sysctls throws -> [(SysctlKey, String)] in
            var previous: [(SysctlKey, String)] = []
            for (key, value) in entries {
                do {
                    let old = try sysctls.read(key.path)
                    try sysctls.write(key.path, value)
                    previous.insert((key, old), at: 0)
                } catch {
                    for (key, old) in previous { _ = try? sysctls.write(key.path, old) }
                    throw PluginError.system("set sysctl \(key.key)", error)
                }
            }
            return previous
        }
    }

    private func containerLink(_ container: NetworkStack, _ context: PluginContext) throws -> Link {
        guard let link = try container.netlink.link(named: context.ifName) else {
            throw PluginError(.internal, "failed to get \"\(context.ifName)\": no such interface in \(context.netns)")
        }
        return link
    }

    /// The interface's values of the attributes `config` changes, as the reference saves them.
    static func currentValues(of link: Link, for config: TuningConfig) -> SavedLinkValues {
        SavedLinkValues(
            mac: config.mac == nil ? nil : link.mac?.description,
            promiscuous: config.promiscuous ? link.isPromiscuous : nil,
            mtu: config.mtu == nil ? nil : Int(link.mtu),
            allMulticast: config.allMulticast == nil ? nil : link.isAllMulticast,
            txQueueLength: config.txQueueLength == nil ? nil : Int(link.txQueueLength ?? 0))
    }

    /// Sets each saved value again, one request each so that one refusal does not stop the
    /// others (the reference's order: MTU, MAC, promiscuous, all-multicast, queue length).
    /// Returns the failures.
    @discardableResult
    func restore(_ saved: SavedLinkValues, on link: Link, _ container: NetworkStack) -> [String] {
        var changes: [(String, LinkChanges)] = []
        if let mtu = saved.mtu, let value = UInt32(exactly: mtu) { changes.append(("MTU", LinkChanges(mtu: value))) }
        if let text = saved.mac {
            guard let mac = MACAddress(text) else { return ["failed to restore MAC address: invalid MAC \(text)"] }
            changes.append(("MAC address", LinkChanges(mac: mac)))
        }
        if let on = saved.promiscuous { changes.append(("promiscuous mode", LinkChanges(promiscuous: on))) }
        if let on = saved.allMulticast { changes.append(("all-multicast mode", LinkChanges(allMulticast: on))) }
        if let length = saved.txQueueLength, let value = UInt32(exactly: length) {
            changes.append(("transmit queue length", LinkChanges(txQueueLength: value)))
        }
        var failures: [String] = []
        for (what, change) in changes {
            do {
                try container.netlink.setLink(link, change)
            } catch {
                failures.append("failed to restore \(what) of \(link.name): \(error)")
            }
        }
        return failures
    }

    /// Sysctl values compare with runs of white space as one space (the kernel prints
    /// `net.ipv4.tcp_rmem` with tabs; configs write spaces).
    static func sameSysctl(_ a: String, _ b: String) -> Bool {
        func words(_ s: String) -> [Substring] { s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) }
        return words(a) == words(b)
    }
}
