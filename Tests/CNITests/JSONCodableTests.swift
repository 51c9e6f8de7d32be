import NetAddress
import Testing

@testable import CNI

private struct BridgeLikeConfig: Codable, Equatable {
    struct Range: Codable, Equatable {
        var subnet: IPNetwork
        var gateway: IPAddress?
    }
    var name: String
    var bridge: String?
    var mtu: Int?
    var isGateway: Bool
    var ranges: [[Range]]
    var mac: MACAddress?
    var ipam: JSONValue?
    var ratio: Double?
    var tags: [String: String]?
}

@Suite struct JSONCodableTests {
    @Test func decodesTypedStructs() throws {
        let json = try JSONValue(parsing: """
            {"name":"net","bridge":"cni0","mtu":1500.0,"isGateway":true,
             "ranges":[[{"subnet":"10.1.2.3/24","gateway":"10.1.2.1"}]],
             "mac":"0A:58:0a:01:02:03","ipam":{"type":"host-local","x":[1]},
             "ratio":0.5,"tags":{"a":"b"},"unknown":42}
            """)
        let config = try JSONValueDecoder().decode(BridgeLikeConfig.self, from: json)
        #expect(config.name == "net")
        #expect(config.mtu == 1500)
        #expect(config.isGateway)
        #expect(config.ranges[0][0].subnet.description == "10.1.2.3/24")  // host bits kept, as Go's types.IPNet
        #expect(config.ranges[0][0].gateway == IPAddress("10.1.2.1"))
        #expect(config.mac?.description == "0a:58:0a:01:02:03")
        #expect(config.ipam?["type"] == "host-local")
        #expect(config.ratio == 0.5)
        #expect(config.tags == ["a": "b"])
    }

    @Test func nullAndAbsentAreNil() throws {
        let json = try JSONValue(parsing: #"{"name":"n","bridge":null,"isGateway":false,"ranges":[]}"#)
        let config = try JSONValueDecoder().decode(BridgeLikeConfig.self, from: json)
        #expect(config.bridge == nil)
        #expect(config.mtu == nil)
        #expect(config.ipam == nil)
    }

    @Test func keysMatchCaseInsensitivelyLikeGo() throws {
        let json = try JSONValue(parsing: #"{"NAME":"n","isgateway":true,"Ranges":[],"name":"exact"}"#)
        let config = try JSONValueDecoder().decode(BridgeLikeConfig.self, from: json)
        #expect(config.name == "exact")  // an exact match wins
        #expect(config.isGateway)
        var strict = JSONValueDecoder()
        strict.matchesKeysCaseInsensitively = false
        #expect(throws: DecodingError.self) { try strict.decode(BridgeLikeConfig.self, from: json) }
    }

    @Test func mismatchesNameTheKeyPath() throws {
        let json = try JSONValue(parsing: #"{"name":"n","isGateway":"yes","ranges":[]}"#)
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(BridgeLikeConfig.self, from: json) }
        do {
            _ = try JSONValueDecoder().decode(BridgeLikeConfig.self, from: json)
        } catch let error as DecodingError {
            #expect(CNIError(error).msg == #"failed to decode "isGateway": expected a boolean, found a string"#)
        }
        let badNet = try JSONValue(parsing: #"{"name":"n","isGateway":true,"ranges":[[{"subnet":"10.1.2.300/24"}]]}"#)
        do {
            _ = try JSONValueDecoder().decode(BridgeLikeConfig.self, from: badNet)
            Issue.record("expected an error")
        } catch let error as DecodingError {
            #expect(CNIError(error).msg == #"failed to decode "ranges.0.0.subnet": invalid CIDR address: 10.1.2.300/24"#)
        }
        let fraction = try JSONValue(parsing: #"{"name":"n","isGateway":true,"ranges":[],"mtu":1.5}"#)
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(BridgeLikeConfig.self, from: fraction) }
        let missing = try JSONValue(parsing: #"{"isGateway":true,"ranges":[]}"#)
        do {
            _ = try JSONValueDecoder().decode(BridgeLikeConfig.self, from: missing)
            Issue.record("expected an error")
        } catch let error as DecodingError {
            #expect(CNIError(error).msg == #"failed to decode: missing key "name""#)
        }
    }

    @Test func encodesInDeclarationOrderAndOmitsNil() throws {
        let config = BridgeLikeConfig(
            name: "n", bridge: nil, mtu: 9000, isGateway: true,
            ranges: [[.init(subnet: IPNetwork("10.0.0.5/8")!, gateway: nil)]],
            mac: MACAddress("aa:bb:cc:dd:ee:ff"), ipam: ["type": "x", "n": 1.5], ratio: 2.0, tags: nil)
        let json = try JSONValueEncoder().encode(config)
        #expect(JSONSerializer.string(json) ==
            #"{"name":"n","mtu":9000,"isGateway":true,"ranges":[[{"subnet":"10.0.0.5/8"}]],"mac":"aa:bb:cc:dd:ee:ff","ipam":{"type":"x","n":1.5},"ratio":2}"#)
        #expect(try JSONValueDecoder().decode(BridgeLikeConfig.self, from: json) == config)
    }

    @Test func nonFiniteDoublesFailToEncode() {
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(["x": Double.nan]) }
    }

    @Test func jsonValuePassesThroughUntouched() throws {
        let raw = try JSONValue(parsing: #"{"b":1.50,"a":[null,true]}"#)
        let decoded = try JSONValueDecoder().decode(JSONValue.self, from: raw)
        #expect(decoded == raw)
        #expect(try JSONValueEncoder().encode(raw) == raw)
        #expect(try JSONValueEncoder().encode([raw, raw]) == .array([raw, raw]))
    }
}
