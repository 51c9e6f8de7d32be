/// A CNI plugin: its verbs, handed to ``PluginMain``, which validates the request, calls the verb
/// and prints the result or error. A verb reports failure by throwing its own
/// ``DomainErrors/DomainError`` (the code follows from its kind), a delegate's ``CNIError``, or
/// any error (code 999).
///
/// A plugin's whole `main.swift`:
/// ```swift
/// import CNI
/// import Loopback
///
/// PluginMain.run(LoopbackPlugin(), about: "CNI loopback plugin v1.0.0")
/// ```
public protocol CNIPlugin {
    /// The versions the plugin speaks, as VERSION reports them; a config in any other version is
    /// refused with code 1. Default: all of ``CNIVersion/allStrings``.
    var supportedVersions: [String] { get }

    /// The `CNI_ARGS` keys the plugin understands (`["IP"]` for host-local, `["MAC"]` for
    /// bridge). When set, a malformed `CNI_ARGS` or an unknown key without `IgnoreUnknown=1` is
    /// refused with code 4, as the reference plugins refuse them. nil (the default) means the
    /// plugin ignores `CNI_ARGS` and any value is accepted.
    var knownArgs: Set<String>? { get }

    /// Whether the plugin's config, like the reference plugin's, embeds the spec's keys
    /// (`types.NetConf`: `type`, `capabilities`, `ipam`, `dns`, `prevResult`, …), so that a value
    /// of the wrong type there is an error (default). IPAM plugins read the same config without
    /// them (host-local's `Net`) and say false: such a value is then ignored, as they ignore it.
    var embedsNetConf: Bool { get }

    /// ADD: set up the attachment and return what was done; ``PluginMain`` prints it in the
    /// config's `cniVersion`. With a `prevResult`, return it (updated if anything changed).
    func add(_ context: PluginContext) throws -> CNIResult

    /// CHECK (config ≥ 0.4.0): throw if the attachment described by `prevResult` is not intact.
    func check(_ context: PluginContext) throws

    /// DEL: undo ADD, best-effort and idempotent: missing namespace, interface or state is success.
    func delete(_ context: PluginContext) throws

    /// GC (config ≥ 1.1.0): release resources of attachments not in
    /// ``NetworkConfig/validAttachments``. Default: nothing to collect.
    func gc(_ context: PluginContext) throws

    /// STATUS (config ≥ 1.1.0): throw code 50/51 when ADD could not succeed now. Default: ready.
    func status(_ context: PluginContext) throws
}

extension CNIPlugin {
    public var supportedVersions: [String] { CNIVersion.allStrings }
    public var knownArgs: Set<String>? { nil }
    public var embedsNetConf: Bool { true }
    public func gc(_ context: PluginContext) throws {}
    public func status(_ context: PluginContext) throws {}
}
