/// `CNI_ARGS`: `K=V;K2=V2` pairs, parsed as libcni's `types.LoadArgs` parses them.
///
/// Every plugin gets the pairs in ``PluginContext/args``. A plugin that declares
/// ``CNIPlugin/knownArgs`` gets the reference plugins' strictness on top: a pair that is not
/// `K=V`, or a key it does not know, is an error unless `IgnoreUnknown=1` (or `true`) is present,
/// as Kubernetes runtimes always send it.
public struct CNIArgs: Sendable, Hashable {
    /// One `K=V` pair.
    public struct Pair: Sendable, Hashable {
        public var key: String
        public var value: String
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// The well-formed pairs, in order.
    public var pairs: [Pair]
    /// The variable as given.
    public var raw: String

    /// Parses `text`, keeping the well-formed pairs and skipping the rest (what a plugin that
    /// does not validate sees).
    public init(_ text: String) {
        raw = text
        pairs = []
        guard !text.isEmpty else { return }
        for part in text.split(separator: ";", omittingEmptySubsequences: false) {
            let kv = part.split(separator: "=", omittingEmptySubsequences: false)
            if kv.count == 2 { pairs.append(Pair(key: String(kv[0]), value: String(kv[1]))) }
        }
    }

    /// The value for `key` (the last one if it repeats, as LoadArgs assigns in order).
    public subscript(key: String) -> String? { pairs.last { $0.key == key }?.value }

    /// `IgnoreUnknown`: `1`/`true` in any case.
    public var ignoreUnknown: Bool {
        guard let v = self["IgnoreUnknown"]?.lowercased() else { return false }
        return v == "1" || v == "true"
    }

    /// `IP`: a requested address (host-local, static).
    public var ip: String? { self["IP"] }
    /// `MAC`: a requested container MAC address (bridge, tuning).
    public var mac: String? { self["MAC"] }
    /// `K8S_POD_NAMESPACE`.
    public var k8sPodNamespace: String? { self["K8S_POD_NAMESPACE"] }
    /// `K8S_POD_NAME`.
    public var k8sPodName: String? { self["K8S_POD_NAME"] }
    /// `K8S_POD_INFRA_CONTAINER_ID`.
    public var k8sPodInfraContainerID: String? { self["K8S_POD_INFRA_CONTAINER_ID"] }
    /// `K8S_POD_UID`.
    public var k8sPodUID: String? { self["K8S_POD_UID"] }

    /// Checks the variable as a reference plugin whose args struct has exactly `knownKeys` (plus
    /// `IgnoreUnknown`) would, with libcni's messages, as code 4:
    /// `ARGS: invalid pair "x"`, `ARGS: error parsing value of pair "IgnoreUnknown=x": …`,
    /// `ARGS: unknown args ["K8S_POD_NAME=web"]`.
    public func validate(knownKeys: Set<String>) throws(CNIError) {
        guard !raw.isEmpty else { return }
        var unknown: [String] = []
        for part in raw.split(separator: ";", omittingEmptySubsequences: false) {
            let kv = part.split(separator: "=", omittingEmptySubsequences: false)
            guard kv.count == 2 else {
                throw CNIError(.invalidEnvironmentVariables, "ARGS: invalid pair \(goQuote(String(part)))")
            }
            let key = String(kv[0])
            if key == "IgnoreUnknown" {
                let v = kv[1].lowercased()
                guard ["1", "true", "0", "false"].contains(v) else {
                    throw CNIError(
                        .invalidEnvironmentVariables,
                        "ARGS: error parsing value of pair \(goQuote(String(part))): boolean unmarshal error: invalid input \(v)")
                }
            } else if !knownKeys.contains(key) {
                unknown.append(String(part))
            }
        }
        if !unknown.isEmpty && !ignoreUnknown {
            throw CNIError(
                .invalidEnvironmentVariables, "ARGS: unknown args [\(unknown.map(goQuote).joined(separator: " "))]")
        }
    }

    /// Back to `K=V;K=V` form.
    public var text: String { pairs.map { "\($0.key)=\($0.value)" }.joined(separator: ";") }
}
