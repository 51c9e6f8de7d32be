import NetAddress
import Testing

@testable import CNI

@Suite struct ResultConversionTests {
    static let versions = CNIVersion.allStrings

    static var sample: CNIResult {
        CNIResult(
            cniVersion: "1.1.0",
            interfaces: [
                .init(name: "cni0", mac: "0a:58:0a:01:02:01"),
                .init(name: "veth1234abcd", mac: "ee:11:22:33:44:55"),
                .init(
                    name: "eth0", mac: "0a:58:0a:01:02:03", mtu: 1400, sandbox: "/var/run/netns/ctr",
                    socketPath: "/run/vhost.sock", pciID: "0000:04:00.5"),
            ],
            ips: [
                .init(interface: 2, address: IPNetwork("10.1.2.3/24")!, gateway: IPAddress("10.1.2.1")),
                .init(interface: 2, address: IPNetwork("10.1.3.3/24")!),
                .init(interface: 2, address: IPNetwork("2001:db8::3/64")!, gateway: IPAddress("2001:db8::1")),
            ],
            routes: [
                .init(dst: IPNetwork("0.0.0.0/0")!, gw: IPAddress("10.1.2.1")),
                .init(dst: IPNetwork("10.9.0.0/16")!, mtu: 1300, advmss: 1260, priority: 100, table: 0, scope: 253),
                .init(dst: IPNetwork("::/0")!, gw: IPAddress("2001:db8::1")),
            ],
            dns: DNS(nameservers: ["10.1.2.1"], domain: "example.com", search: ["svc.example.com"], options: ["ndots:5"]))
    }

    @Test(arguments: versions)
    func printsTheModelInEveryVersion(version: String) throws {
        let text = String(decoding: try Self.sample.printed(version: version), as: UTF8.self)
        #expect(text == ResultGoldens.golden(.full, printedIn: version))
    }

    /// Every (from, to) pair: decode libcni's JSON of `from`, print it in `to`.
    @Test(arguments: versions, versions)
    func convertsBetweenEveryPairOfVersions(from: String, to: String) throws {
        let source = ResultGoldens.golden(.full, printedIn: from)
        let result = try CNIResult(json: JSONValue(parsing: source), version: from)
        #expect(result.cniVersion == from)
        let text = String(decoding: try result.printed(version: to), as: UTF8.self)
        #expect(text == ResultGoldens.golden(ResultGoldens.detail(of: from), printedIn: to), "\(from) → \(to)")
        // The version a result declares is enough to decode it.
        #expect(try CNIResult(json: JSONValue(parsing: source)) == result)
    }

    @Test func convertedReflectsWhatARoundTripKeeps() throws {
        let via04 = try Self.sample.converted(to: "0.4.0")
        #expect(via04.interfaces[2].mtu == nil)
        #expect(via04.routes[1].scope == 253)  // route extras survive 0.4.0, as in libcni
        let via02 = try Self.sample.converted(to: "0.2.0")
        #expect(via02.interfaces.isEmpty)
        #expect(via02.ips.map(\.address.description) == ["10.1.2.3/24", "2001:db8::3/64"])
        #expect(via02.routes[1] == .init(dst: IPNetwork("10.9.0.0/16")!))
    }

    @Test func downgradeWithoutAddressesFails() throws {
        let empty = CNIResult(cniVersion: "1.0.0", interfaces: [.init(name: "lo")])
        for target in ["0.1.0", "0.2.0"] {
            #expect(throws: CNIError(.internal, "cannot convert: no valid IP addresses")) {
                try empty.json(version: target)
            }
        }
        #expect(throws: Never.self) { try empty.json(version: "0.3.1") }
        // A result that was 0.2.0 to begin with converts among 0.1/0.2 as is.
        let legacy = try CNIResult(json: JSONValue(parsing: #"{"cniVersion":"0.2.0","dns":{}}"#), version: "0.2.0")
        #expect(String(decoding: try legacy.printed(version: "0.1.0"), as: UTF8.self)
            == "{\n    \"cniVersion\": \"0.1.0\",\n    \"dns\": {}\n}")
    }

    @Test func routesOfAFamilyWithoutAddressAreDroppedIn02() throws {
        let r = CNIResult(
            ips: [.init(address: IPNetwork("10.0.0.2/8")!)],
            routes: [.init(dst: IPNetwork("::/0")!), .init(dst: IPNetwork("10.0.0.0/8")!, gw: IPAddress("10.0.0.1"))])
        #expect(try r.json(version: "0.2.0") == [
            "cniVersion": "0.2.0",
            "ip4": ["ip": "10.0.0.2/8", "routes": [["dst": "10.0.0.0/8", "gw": "10.0.0.1"]]],
            "dns": [:],
        ])
    }

    @Test func unknownVersionsAreErrors() throws {
        #expect(throws: CNIError(.incompatibleCNIVersion, "no converter for CNI result version 1.1.0 to 9.9.9")) {
            try Self.sample.json(version: "9.9.9")
        }
        #expect(throws: CNIError(.incompatibleCNIVersion, "unsupported CNI result version \"0.5.0\"")) {
            try CNIResult(json: ["cniVersion": "0.5.0"], version: "0.5.0")
        }
        #expect(throws: CNIError(.incompatibleCNIVersion, "unsupported CNI result version \"2.0.0\"")) {
            try CNIResult(json: ["cniVersion": "2.0.0"])
        }
        // libcni's types check the declared version belongs to the shape asked for.
        #expect(throws: CNIError(.decodingFailure, #"result type supports [1.0.0 1.1.0] but unmarshalled CNIVersion is "0.4.0""#)) {
            try CNIResult(json: ["cniVersion": "0.4.0"], version: "1.0.0")
        }
    }

    @Test func emptyResultPrintsDNSAsTheReferenceDoes() throws {
        let r = CNIResult(cniVersion: "1.0.0")
        #expect(String(decoding: try r.printed(version: "1.0.0"), as: UTF8.self)
            == "{\n    \"cniVersion\": \"1.0.0\",\n    \"dns\": {}\n}")
    }

    @Test func missingVersionMeans010() throws {
        let r = try CNIResult(json: ["ip4": ["ip": "10.0.0.2/8"]])
        #expect(r.cniVersion == "0.1.0")
        #expect(r.ips.first?.address.description == "10.0.0.2/8")
    }

    @Test func malformedResultsNameTheField() throws {
        #expect(throws: CNIError(.decodingFailure, #"result: "ips.0.address": invalid CIDR address: 10.0.0.300/8"#)) {
            try CNIResult(json: ["cniVersion": "1.0.0", "ips": [["address": "10.0.0.300/8"]]])
        }
        #expect(throws: CNIError(.decodingFailure, #"result: "ips.0.address" is missing"#)) {
            try CNIResult(json: ["cniVersion": "1.0.0", "ips": [["gateway": "10.0.0.1"]]])
        }
        #expect(throws: CNIError(.decodingFailure, #"result: "interfaces" must be an array, found an object"#)) {
            try CNIResult(json: ["cniVersion": "1.0.0", "interfaces": [:]])
        }
        #expect(throws: CNIError(.decodingFailure, #"result: "routes.0.gw": invalid IP address: x"#)) {
            try CNIResult(json: ["cniVersion": "0.4.0", "routes": [["dst": "0.0.0.0/0", "gw": "x"]]])
        }
        #expect(throws: CNIError(.decodingFailure, "failed to parse result: unexpected end of JSON input at offset 1")) {
            try CNIResult(bytes: Array("{".utf8))
        }
    }

    @Test func emptyGatewayAndZeroMTUReadAsAbsent() throws {
        let r = try CNIResult(json: [
            "cniVersion": "1.1.0", "interfaces": [["name": "eth0", "mac": "", "mtu": 0]],
            "ips": [["address": "10.0.0.2/8", "gateway": "", "interface": 0]],
        ])
        #expect(r.interfaces[0] == .init(name: "eth0"))
        #expect(r.ips[0].gateway == nil)
        #expect(r.ips[0].interface == 0)
        #expect(try r.json(version: "1.1.0")["ips"]?[0] == ["interface": 0, "address": "10.0.0.2/8"])
    }
}
