import CNI
import Posix

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "flannel") { FlannelPlugin() } }

/// The flannel plugin (flannel-io/cni-plugin): turns this node's flannel lease (the subnet file
/// flanneld writes) into a delegate config, bridge + host-local by default (``DelegateConfig``),
/// stores that config under `dataDir`, and runs the delegate. DEL runs the delegate with the
/// stored copy, so it undoes exactly what ADD did even after the subnet file changed.
///
/// Drop-in for the reference: same options, same delegate config bytes, same stored file
/// (`<dataDir>/<containerID>`). Beyond it, on purpose:
/// - a failed delegate ADD is rolled back (delegate DEL, then the stored file is removed);
/// - CHECK runs the delegate's CHECK with the stored config and `prevResult` (the reference
///   does nothing); an attachment without a stored config fails CHECK;
/// - GC runs the delegate's GC and removes stored configs of this network whose container is
///   not among `cni.dev/valid-attachments`; STATUS fails with code 50 while the subnet file is
///   missing or incomplete, then asks the delegate;
/// - errors carry spec codes: 7 for the config, 11 while the subnet file does not exist yet,
///   5 for the stored file.
public struct FlannelPlugin: CNIPlugin {
    public init() {}

    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try FlannelConfig(context.config)
        let env = try Self.subnetEnv(config.subnetFile)
        let delegateConfig = try DelegateConfig.render(config, env)
        let bytes = JSONSerializer.bytes(.object(delegateConfig))
        let store = ScratchStore(directory: config.dataDir)
        try store.save(bytes, for: context.containerID)
        let delegate = Self.delegate(context, config: delegateConfig, bytes: bytes)
        do {
            return try delegate.add()
        } catch {
            // Undo what the delegate may have left; keep the stored copy if that fails, so
            // the runtime's DEL can still use it.
            if (try? delegate.delete()) != nil { try? store.remove(context.containerID) }
            throw Self.wrap(error, "failed to delegate add")
        }
    }

    public func delete(_ context: PluginContext) throws {
        let store = ScratchStore(directory: FlannelConfig.dataDir(teardown: context.config))
        guard let bytes = try store.load(context.containerID) else { return }
        // A stored copy that does not parse cannot be delegated; the reference leaves it (and
        // the interface, until the node reboots) and succeeds.
        guard let stored = try? JSONParser.parse(bytes).objectValue,
            let type = (try? GoValue(root: .object(stored), subject: "stored config").object(["type"])["type"].string()) ?? nil
        else { return }
        try Self.delegate(context, type: type, bytes: bytes).delete()
        try store.remove(context.containerID)
    }

    public func check(_ context: PluginContext) throws {
        let config = try FlannelConfig(context.config)
        guard let bytes = try ScratchStore(directory: config.dataDir).load(context.containerID),
            var stored = try? JSONParser.parse(bytes).objectValue
        else {
            throw FlannelError(.unknownAttachment, "no delegate config stored for container \(context.containerID) in \(config.dataDir)")
        }
        if let previous = context.config.rawPrevResult { stored["prevResult"] = previous }
        try Self.delegate(context, config: stored, bytes: JSONSerializer.bytes(.object(stored))).check()
    }

    /// Forgets the stored configs of this network's attachments that are not in
    /// `cni.dev/valid-attachments`, then hands GC to the delegate rendered from the config and
    /// the subnet file. By the teardown rule nothing here fails on an option: a config that does
    /// not read (or renders no delegate) says nothing about the delegate, whose GC is then left out.
    public func gc(_ context: PluginContext) throws {
        let store = ScratchStore(directory: FlannelConfig.dataDir(teardown: context.config))
        if let valid = context.config.validAttachments {
            let keep = Set(valid.map(\.containerID))
            for id in store.containerIDs() where !keep.contains(id) {
                guard let bytes = try? store.load(id), let stored = try? JSONParser.parse(bytes).objectValue,
                    stored["name"]?.stringValue == context.config.name
                else { continue }
                try store.remove(id)
            }
        }
        guard let config = try? FlannelConfig(context.config), let env = try? Self.subnetEnv(config.subnetFile),
            var delegateConfig = try? DelegateConfig.render(config, env)
        else { return }
        for key in [ValidAttachment.key, ValidAttachment.legacyKey] {
            if let list = context.config.raw[key] { delegateConfig[key] = list }
        }
        try Self.delegate(context, config: delegateConfig, bytes: JSONSerializer.bytes(.object(delegateConfig))).gc()
    }

    public func status(_ context: PluginContext) throws {
        let config = try FlannelConfig(context.config)
        let env: SubnetEnv
        do {
            env = try Self.subnetEnv(config.subnetFile)
        } catch {
            throw FlannelError(.unavailable, error.message)
        }
        let delegateConfig = try DelegateConfig.render(config, env)
        try Self.delegate(context, config: delegateConfig, bytes: JSONSerializer.bytes(.object(delegateConfig))).status()
    }

    /// Reads the subnet file (`loadFlannelSubnetEnv failed: …` on failure, as the reference).
    static func subnetEnv(_ path: String) throws(FlannelError) -> SubnetEnv {
        let read: [UInt8]?
        do {
            read = try Files.read(path)
        } catch {
            throw FlannelError(.subnetFile, "loadFlannelSubnetEnv failed: \(error)")
        }
        guard let bytes = read else {
            throw FlannelError(.subnetFileMissing, "loadFlannelSubnetEnv failed: open \(path): no such file or directory")
        }
        do {
            return try SubnetEnv(text: String(decoding: bytes, as: UTF8.self), path: path)
        } catch {
            throw FlannelError(error.code, "loadFlannelSubnetEnv failed: \(error.message)")
        }
    }

    private static func delegate(_ context: PluginContext, config: JSONObject, bytes: [UInt8]) -> PluginDelegate {
        delegate(context, type: config["type"]?.stringValue ?? "", bytes: bytes)
    }

    /// The delegate with this request's environment and `bytes` on stdin.
    private static func delegate(_ context: PluginContext, type: String, bytes: [UInt8]) -> PluginDelegate {
        PluginDelegate(
            type: type, config: bytes, cniVersion: context.cniVersion, locator: PluginLocator(paths: context.path),
            invoker: context.invoker, environment: context.variables)
    }

    /// A delegate's error keeps its code; the message gains the reference's context.
    private static func wrap(_ error: any Error, _ context: String) -> CNIError {
        var e = CNIError(error)
        e.msg = "\(context): \(e.msg)"
        return e
    }
}
