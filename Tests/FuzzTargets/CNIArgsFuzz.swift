import CNI

/// `CNI_ARGS` and the rest of a request's environment as `PluginMain` reads them. Input: fields
/// separated by NUL: CNI_ARGS, CNI_COMMAND, CNI_CONTAINERID, CNI_IFNAME, CNI_NETNS, CNI_PATH,
/// then stdin (the config); missing fields are left unset. Properties: `CNIArgs` keeps only
/// well-formed pairs and prints them back to the same pairs; validation refuses only with code 4;
/// `PluginMain` exits 0 or 1, and on 1 prints one error object that libcni reads back.
enum CNIArgsFuzz {
    static let variableNames = ["CNI_ARGS", "CNI_COMMAND", "CNI_CONTAINERID", "CNI_IFNAME", "CNI_NETNS", "CNI_PATH"]

    static func run(_ input: [UInt8]) {
        let fields = input.split(separator: 0, maxSplits: variableNames.count, omittingEmptySubsequences: false)
        let argsText = String(decoding: fields[0], as: UTF8.self)
        let args = CNIArgs(argsText)
        fuzzCheck(CNIArgs(args.text).pairs == args.pairs, "CNI_ARGS text round trip: \(argsText)")
        for p in args.pairs {
            fuzzCheck(!p.key.contains(";") && !p.key.contains("=") && !p.value.contains(";") && !p.value.contains("="), "pair with a separator: \(p)")
        }
        _ = args.ignoreUnknown
        for known in [Set<String>(), ["IP"], ["IP", "MAC", "K8S_POD_NAME"]] {
            do { try args.validate(knownKeys: known) } catch {
                fuzzCheck(error.code == .invalidEnvironmentVariables, "CNI_ARGS refused with code \(error.code)")
            }
        }

        var variables: [String: String] = [:]
        for (name, value) in zip(variableNames, fields) {
            variables[name] = String(decoding: value, as: UTF8.self)
        }
        let stdin = fields.count > variableNames.count ? Array(fields[variableNames.count]) : []
        let (environment, output) = PluginEnvironment.capturing(
            variables: variables, stdin: stdin, invoker: RefusingInvoker(), isOwnNetworkNamespace: { _ in false })
        let status = PluginMain.execute(EchoPlugin(), about: "fuzz", environment: environment)
        fuzzCheck(status == 0 || status == 1, "exit status \(status)")
        if status == 1 {
            let printed = try? JSONParser.parse(output.stdout)
            fuzzCheck(printed?.objectValue?["code"]?.intValue != nil, "error output not an error object: \(output.stdoutText)")
            _ = PluginFailure.error(stdout: output.stdout, stderr: output.stderr, reason: "exit status 1")
        }
    }
}

/// A plugin that understands `IP` and `MAC` and does nothing: ADD returns its prevResult or an
/// empty result.
struct EchoPlugin: CNIPlugin {
    var knownArgs: Set<String>? { ["IP", "MAC"] }
    func add(_ context: PluginContext) throws -> CNIResult { try context.config.prevResult ?? CNIResult() }
    func check(_ context: PluginContext) throws {}
    func delete(_ context: PluginContext) throws {}
}

/// Delegation is not part of this target: every delegate fails.
struct RefusingInvoker: PluginInvoker {
    func invoke(path: String, stdin: [UInt8], environment: [String: String]) throws(CNIError) -> [UInt8] {
        throw CNIError(.pluginNotAvailable, "no delegates while fuzzing")
    }
}
