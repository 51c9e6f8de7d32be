/// The fuzz targets: each takes one input (bytes libFuzzer made, or a file of the committed corpus)
/// and traps when a property fails. Targets never write files or touch the network; the same code
/// runs under libFuzzer (`Tests/Fuzz`, built by `scripts/fuzz.sh`) and, on the committed corpus and
/// every input that ever failed, in the ordinary test suite (`FuzzRegressionTests`).
public struct FuzzTarget: Sendable {
    public let name: String
    /// What the target feeds and which properties it checks.
    public let summary: String
    public let run: @Sendable ([UInt8]) -> Void

    public static let all: [FuzzTarget] = [
        FuzzTarget(
            name: "json", summary: "JSONParser: no crash; parse → print → parse is a fixed point; a strict reference decoder agrees on valid UTF-8",
            run: JSONFuzz.run),
        FuzzTarget(
            name: "config", summary: "NetworkConfig/NetworkConfigList and every plugin's config reader: no crash, errors carry code 1, 6 or 7",
            run: ConfigFuzz.run),
        FuzzTarget(
            name: "result", summary: "CNIResult decoder and the version converter: every version prints and reads back to the same result",
            run: ResultFuzz.run),
        FuzzTarget(
            name: "cniargs", summary: "CNI_ARGS parsing and validation: no crash, text round trip, duplicate keys",
            run: CNIArgsFuzz.run),
        FuzzTarget(
            name: "lease", summary: "host-local lease files and index (buckets, state): no crash, encode/decode round trips",
            run: LeaseFuzz.run),
        FuzzTarget(
            name: "netlink", summary: "rtnetlink replies through a fake transport: links, addresses, routes, neighbours, bridge VLANs, acks",
            run: NetlinkFuzz.run),
        FuzzTarget(
            name: "nftables", summary: "nftables replies through a fake transport: rules (libnftnl parse + expression decoding), chains, tables, batch acks",
            run: NFTablesFuzz.run),
        FuzzTarget(
            name: "dhcp", summary: "DHCP frames and messages as the dhcp client reads them, and the result of an ACK: no crash, print/parse round trip",
            run: DHCPFuzz.run),
        FuzzTarget(
            name: "gob", summary: "gob streams as the dhcp daemon and plugin read them over net/rpc: no crash, no unbounded recursion",
            run: GobFuzz.run),
    ]

    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

/// What happens when a property fails: under libFuzzer a trap (the input is saved as a crash);
/// in the regression tests a recorded failure, so one bad input does not end the test run.
public enum FuzzFailures {
    nonisolated(unsafe) public static var record: ((String) -> Void)?
}

func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition() {
        guard let record = FuzzFailures.record else {
            fatalError("fuzz property failed: \(message())", file: file, line: line)
        }
        record("\(file):\(line): \(message())")
    }
}
