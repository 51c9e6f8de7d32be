import CNI
import PluginKit
import Testing

@testable import PTP

/// ptp's options read from configs, without the kernel.
@Suite struct PTPConfigTests {
    func parse(_ extra: String) throws -> PTPConfig {
        let text = #"{"cniVersion":"1.0.0","name":"net","type":"ptp","ipam":{"type":"host-local"}"# + extra + "}"
        return try PTPConfig(NetworkConfig(bytes: Array(text.utf8)))
    }

    func error(_ extra: String) -> CNIError? {
        do {
            _ = try parse(extra)
            return nil
        } catch {
            return CNIError(error)
        }
    }

    @Test func defaultsAreTheReferences() throws {
        let c = try parse("")
        #expect(c.network == "net")
        #expect(!c.ipMasq)
        #expect(c.ipMasqBackend == nil)
        #expect(c.mtu == nil)
        #expect(c.ipamType == "host-local")
        #expect(c.dns == nil)
        #expect(!c.enableDAD)
    }

    @Test func optionsAreRead() throws {
        let c = try parse(#","ipMasq":true,"ipMasqBackend":"nftables","mtu":1400,"enabledad":true"#)
        #expect(c.ipMasq && c.enableDAD)
        #expect(c.ipMasqBackend == "nftables")
        #expect(c.mtu == 1400)
        #expect(try parse(#","mtu":0,"ipMasqBackend":"""#).mtu == nil)
        #expect(try parse(#","mtu":0,"ipMasqBackend":"""#).ipMasqBackend == nil)
    }

    @Test func badValuesNameTheKey() {
        #expect(error(#","mtu":-1"#)?.code == .invalidNetworkConfig)
        #expect(error(#","mtu":65536"#)?.code == .invalidNetworkConfig)
        #expect(error(#","mtu":"1400""#)?.code == .decodingFailure)
        #expect(error(#","mtu":1400.5"#)?.msg.contains("mtu") == true)
        #expect(error(#","enabledad":"yes""#)?.code == .decodingFailure)
        #expect(error(#","ipMasqBackend":1"#)?.msg.contains("ipMasqBackend") == true)
    }

    /// The reference's `dnsConfSet`: any field present (an empty list counts) replaces IPAM's DNS.
    @Test func dnsOverridesOnlyWhenAFieldIsSet() throws {
        #expect(try parse(#","dns":{}"#).dns == nil)
        #expect(try parse(#","dns":{"domain":""}"#).dns == nil)
        #expect(try parse(#","dns":{"nameservers":[]}"#).dns == DNS())
        #expect(try parse(#","dns":{"domain":"example.org"}"#).dns?.domain == "example.org")
        #expect(try parse(#","dns":{"search":["a"],"options":["ndots:2"]}"#).dns == DNS(search: ["a"], options: ["ndots:2"]))
    }

    @Test func ipamIsRequiredForAddCheckAndStatus() throws {
        let text = #"{"cniVersion":"1.0.0","name":"net","type":"ptp"}"#
        let c = try PTPConfig(NetworkConfig(bytes: Array(text.utf8)))
        #expect(throws: PluginError.self) { try c.requireIPAM() }
        #expect((try? c.requireIPAM()) == nil)
        do {
            try c.requireIPAM()
        } catch {
            #expect(CNIError(error).code == .invalidNetworkConfig)
            #expect(error.message.contains("no plugin name provided"))
        }
    }
}
