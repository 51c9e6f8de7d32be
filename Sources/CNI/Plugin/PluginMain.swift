/// The plugin entry point, mirroring libcni's skel: reads `CNI_*` and stdin, validates them,
/// answers VERSION, gates verbs by version, calls the plugin's verb, and prints the result (in the
/// config's `cniVersion`) or the error object. The only code that prints errors or exits.
///
/// Validation order, and the error each step gives:
/// 1. required variables (`CNI_COMMAND` always; others per verb): code 4
///    `required env variables [CNI_NETNS,CNI_PATH] missing`. Without `CNI_COMMAND`, the `about`
///    text and the supported versions also go to stderr.
/// 2. stdin: code 5 if unreadable. VERSION answers here.
/// 3. stdin JSON: code 6 `error unmarshall network config: …`; network name: code 7.
/// 4. `CNI_CONTAINERID`, `CNI_IFNAME` (where required): code 4.
/// 5. unknown `CNI_COMMAND`: code 4.
/// 6. version: code 1 (`incompatible CNI versions`, or CHECK < 0.4.0, GC/STATUS < 1.1.0).
/// 7. ADD/DEL with `CNI_NETNS` being the plugin's own namespace: code 8, unless
///    `CNI_NETNS_OVERRIDE=1|true`. (skel checks after the verb ran; checking first means a
///    mistaken request never touches the host's own namespace.)
/// 8. common config keys (code 6) and, for plugins declaring ``CNIPlugin/knownArgs``,
///    `CNI_ARGS` (code 4) — except for DEL and GC, which steps 1–7 alone may refuse (the
///    teardown rule, ``GoValue/readable(_:)``): there the common keys are read leniently
///    (``NetworkConfig/init(json:lenient:)``) and `CNI_ARGS` is not checked.
public enum PluginMain {
    /// Runs `plugin` for this process's request and exits: 0 on success, 1 after printing an error.
    public static func run(_ plugin: some CNIPlugin, about: String, environment: PluginEnvironment = .process) -> Never {
        let status = execute(plugin, about: about, environment: environment)
        environment.exit(status)
    }

    /// Handles one request through `environment` and returns the exit status instead of exiting
    /// (for tests, with ``PluginEnvironment/capturing(variables:stdin:invoker:isOwnNetworkNamespace:)``).
    @discardableResult
    public static func execute(_ plugin: some CNIPlugin, about: String, environment: PluginEnvironment) -> Int32 {
        var dispatcher = Dispatcher(plugin: plugin, about: about, env: environment)
        do {
            try dispatcher.dispatch()
            return 0
        } catch {
            let cniError = CNIError(error)
            environment.writeStdout(JSONSerializer.bytes(cniError.json(cniVersion: dispatcher.errorVersion), style: .pretty))
            return 1
        }
    }
}

private struct Dispatcher<Plugin: CNIPlugin> {
    let plugin: Plugin
    let about: String
    let env: PluginEnvironment
    /// The `cniVersion` the error object carries: the config's once known.
    var errorVersion = CNIVersion.current.description

    init(plugin: Plugin, about: String, env: PluginEnvironment) {
        self.plugin = plugin
        self.about = about
        self.env = env
    }

    mutating func dispatch() throws {
        let commandText = variable("CNI_COMMAND")
        let command = CNICommand(rawValue: commandText)
        let required = command?.requiredVariables ?? []
        var missing = commandText.isEmpty ? ["CNI_COMMAND"] : []
        missing += ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"].filter {
            required.contains($0) && variable($0).isEmpty
        }
        if !missing.isEmpty {
            if commandText.isEmpty && !about.isEmpty {
                let versions = plugin.supportedVersions.joined(separator: ", ")
                env.writeStderr(Array("\(about)\nCNI protocol versions supported: \(versions)\n".utf8))
            }
            throw CNIError(.invalidEnvironmentVariables, "required env variables [\(missing.joined(separator: ","))] missing")
        }

        let stdin: [UInt8]
        do {
            stdin = try env.readStdin()
        } catch {
            guard command == .version else { throw CNIError(.ioFailure, "error reading from stdin: \(error)") }
            stdin = []
        }
        if command == .version {
            writeVersionInfo(stdin)
            return
        }

        let json = try parseConfigObject(stdin)
        let configVersion = try decodeVersion(json)
        errorVersion = configVersion
        try validateName(json)
        if required.contains("CNI_CONTAINERID") { try CNIValidation.validateContainerID(variable("CNI_CONTAINERID")) }
        if required.contains("CNI_IFNAME") { try CNIValidation.validateInterfaceName(variable("CNI_IFNAME")) }
        guard let command else {
            throw CNIError(.invalidEnvironmentVariables, "unknown CNI_COMMAND: \(commandText)")
        }
        try checkVersion(configVersion, for: command)

        let netns = variable("CNI_NETNS")
        if command == .add || command == .delete {
            let override = variable("CNI_NETNS_OVERRIDE")
            if override.uppercased() != "TRUE" && override != "1" && env.isOwnNetworkNamespace(netns) {
                throw CNIError(.invalidNetNS, "plugin's netns and netns from CNI_NETNS should not be the same")
            }
        }
        let config = try NetworkConfig(json: json, lenient: !plugin.embedsNetConf || command.tearsDown)
        let args = CNIArgs(variable("CNI_ARGS"))
        if let known = plugin.knownArgs, !command.tearsDown { try args.validate(knownKeys: known) }
        var variables: [String: String] = [:]
        for name in Self.requestVariables { variables[name] = env.getenv(name) }
        let context = PluginContext(
            command: command, containerID: variable("CNI_CONTAINERID"), netns: netns, ifName: variable("CNI_IFNAME"),
            args: args, path: PluginLocator.split(variable("CNI_PATH")), stdin: stdin, config: config,
            invoker: env.invoker, variables: variables)

        switch command {
        case .add:
            let result = try plugin.add(context)
            env.writeStdout(try result.printed(version: configVersion))
        case .check: try plugin.check(context)
        case .delete: try plugin.delete(context)
        case .gc: try plugin.gc(context)
        case .status: try plugin.status(context)
        case .version: break
        }
    }

    private func variable(_ name: String) -> String { env.getenv(name) ?? "" }

    /// What a request consists of, passed on to delegates.
    static var requestVariables: [String] {
        ["CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH", "CNI_NETNS_OVERRIDE"]
    }

    /// `{"cniVersion": <asked for, else the newest>, "supportedVersions": […]}` and a newline,
    /// compact, as Go's json.Encoder writes it. libcni probes with `{"cniVersion": …}` on stdin.
    private func writeVersionInfo(_ stdin: [UInt8]) {
        var asked = CNIVersion.current.description
        if let json = try? JSONParser.parse(stdin),
            let v = (try? GoValue(root: json, subject: "version request").object(["cniVersion"])["cniVersion"].string()) ?? nil,
            !v.isEmpty
        {
            asked = v
        }
        let info = PluginVersionInfo(cniVersion: asked, supportedVersions: plugin.supportedVersions)
        env.writeStdout(JSONSerializer.bytes(info.json) + [0x0A])
    }

    private func parseConfigObject(_ stdin: [UInt8]) throws(CNIError) -> JSONValue {
        let json: JSONValue
        do {
            json = try JSONParser.parse(stdin)
        } catch {
            throw CNIError(.decodingFailure, "error unmarshall network config: \(error)")
        }
        switch json {
        case .object, .null: return json  // Go decodes null into a struct as nothing
        default:
            throw CNIError(.decodingFailure, "error unmarshall network config: expected a JSON object, found \(json.kindDescription)")
        }
    }

    /// The config's version as skel's decoder reads it (a struct with one field, `cniVersion`):
    /// absent, null or "" is 0.1.0.
    private func decodeVersion(_ json: JSONValue) throws(CNIError) -> String {
        do {
            let version = try GoValue(root: json, subject: "network config").object(["cniVersion"])["cniVersion"].string()
            return (version ?? "").isEmpty ? "0.1.0" : version!
        } catch {
            throw CNIError(.decodingFailure, "decoding version from \(error.message)")
        }
    }

    /// skel's `validateConfig`: the name as a struct with one field, `name`, read; then checked.
    private func validateName(_ json: JSONValue) throws(CNIError) {
        let name: String
        do {
            name = try GoValue(root: json, subject: "network config").object(["name"])["name"].string() ?? ""
        } catch {
            throw CNIError(.decodingFailure, "error unmarshall \(error.message)")
        }
        try CNIValidation.validateNetworkName(name)
    }

    /// skel's gates: the exact version must be supported; CHECK, GC and STATUS also need a
    /// minimum config version and a supported version at least as new as the config's.
    private func checkVersion(_ configVersion: String, for command: CNICommand) throws {
        if let minimum = command.minimumVersion {
            let parsed = try CNIVersion(parsing: configVersion)
            guard parsed >= minimum else {
                throw CNIError(.incompatibleCNIVersion, "config version does not allow \(command.rawValue)")
            }
            var newEnough = false
            for supported in plugin.supportedVersions where try CNIVersion(parsing: supported) >= parsed {
                newEnough = true
                break
            }
            guard newEnough else {
                throw CNIError(.incompatibleCNIVersion, "plugin version does not allow \(command.rawValue)")
            }
        }
        guard plugin.supportedVersions.contains(configVersion) else {
            let list = plugin.supportedVersions.map { "\"\($0)\"" }.joined(separator: " ")
            throw CNIError(
                .incompatibleCNIVersion, "incompatible CNI versions",
                details: "config is \"\(configVersion)\", plugin supports [\(list)]")
        }
    }
}
