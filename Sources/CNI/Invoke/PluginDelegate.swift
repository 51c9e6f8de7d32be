/// Runs another plugin on this plugin's behalf, as libcni's `invoke.Delegate*` functions do:
/// found by type in `CNI_PATH`, given the *whole* config on stdin and the same environment with
/// only `CNI_COMMAND` changed, its stderr passed on. Its error comes back as a ``CNIError`` with
/// the delegate's own code, ready to be rethrown unchanged.
public struct PluginDelegate: Sendable {
    /// The plugin type (executable name).
    public var type: String
    /// The stdin for the delegate: the full network config.
    public var config: [UInt8]
    /// The config's `cniVersion` (used when the delegate's result does not state one).
    public var cniVersion: String
    public var locator: PluginLocator
    public var invoker: any PluginInvoker
    /// Variables set on top of the invoker's environment (the request's `CNI_*`);
    /// `CNI_COMMAND` is replaced per verb.
    public var environment: [String: String]

    public init(
        type: String, config: [UInt8], cniVersion: String, locator: PluginLocator, invoker: any PluginInvoker,
        environment: [String: String] = [:]
    ) {
        self.type = type
        self.config = config
        self.cniVersion = cniVersion
        self.locator = locator
        self.invoker = invoker
        self.environment = environment
    }

    /// Runs the delegate with `CNI_COMMAND=<command>` and returns its stdout.
    public func run(_ command: CNICommand) throws -> [UInt8] {
        let path = try locator.find(type)
        var env = environment
        env["CNI_COMMAND"] = command.rawValue
        return try invoker.invoke(path: path, stdin: config, environment: env)
    }

    /// ADD: the delegate's result, whatever version it printed (see ``CNIResult/init(delegateOutput:configVersion:)``).
    public func add() throws -> CNIResult {
        try CNIResult(delegateOutput: run(.add), configVersion: cniVersion)
    }

    /// CHECK (stdout ignored, as libcni ignores it on success).
    public func check() throws { _ = try run(.check) }
    /// DEL.
    public func delete() throws { _ = try run(.delete) }
    /// GC.
    public func gc() throws { _ = try run(.gc) }
    /// STATUS.
    public func status() throws { _ = try run(.status) }
}

extension CNIResult {
    /// A delegate's ADD output, read as libcni's `ExecPluginWithResult` reads it: a result that
    /// declares its version (a non-empty string under exactly `cniVersion`) is decoded as
    /// printed; one that does not gets the config's version (`fixupResultVersion`), which sends
    /// it through a Go map first (keys sorted, repeats resolved). `null` reads as an empty
    /// object. Errors are code 6 (or 1 for an unknown version).
    public init(delegateOutput stdout: [UInt8], configVersion: String) throws(CNIError) {
        var json: JSONValue
        do {
            json = try JSONParser.parse(stdout)
        } catch {
            throw CNIError(.decodingFailure, "failed to unmarshal raw result: \(error)")
        }
        if json.isNull { json = .object(JSONObject()) }
        guard case .object(var object) = json else {
            throw CNIError(
                .decodingFailure,
                "failed to unmarshal raw result: json: cannot unmarshal \(NetworkConfigList.goJSONKind(json)) into Go value of type map[string]interface {}")
        }
        if case .string(let declared)? = object["cniVersion"], !declared.isEmpty {
            try self.init(json: json, version: declared)
            return
        }
        let version = configVersion.isEmpty ? "0.1.0" : configVersion
        object["cniVersion"] = .string(version)
        try self.init(json: .object(object.throughGoInterface), version: version)
    }
}

/// The IPAM plugin named by the config's `ipam.type`, run as bridge and ptp run it.
///
/// ```swift
/// let ipam = IPAM(context)
/// var result = try ipam.execAdd()
/// var committed = false
/// defer { if !committed { try? ipam.execDel() } }   // give the address back if ADD fails later
/// ```
public struct IPAM: Sendable {
    public var delegate: PluginDelegate

    /// The IPAM plugin for this request: `ipam.type` of the config (an empty type fails with
    /// `no plugin name provided` when run), the request's `CNI_PATH`, stdin and invoker.
    public init(_ context: PluginContext) {
        delegate = context.delegate(type: context.config.ipam?.type ?? "")
    }

    public init(delegate: PluginDelegate) {
        self.delegate = delegate
    }

    /// Allocates: the IPAM result (addresses without interface indexes, routes, DNS).
    public func execAdd() throws -> CNIResult { try delegate.add() }
    /// Verifies the allocation still exists.
    public func execCheck() throws { try delegate.check() }
    /// Releases the allocation (the IPAM plugin treats "nothing allocated" as success).
    public func execDel() throws { try delegate.delete() }
    /// Releases allocations of attachments not in the config's valid-attachment list.
    public func execGC() throws { try delegate.gc() }
    /// Reports whether the IPAM plugin could serve an ADD now.
    public func execStatus() throws { try delegate.status() }
}
