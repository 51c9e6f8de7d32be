import NetAddress
import Testing

@testable import CNI

/// The Go-semantics reader, rule by rule. Each expectation is what Go 1.19's `encoding/json`
/// does with the same document and a struct of the same shape (checked with go1.19.8 while
/// writing these).
@Suite struct GoReaderTests {
    /// A struct shaped like the ones the reference plugins decode.
    static let fields: GoFields = ["mtu", "sub", "psub", "m", "i", "l", "pl", "str", "ip", "flag", "u8", "f", "kind", "sx", "name", "NAME", "cidr"]
    static let sub: GoFields = ["a", "b", "s"]

    func root(_ text: String) throws -> GoObject {
        try GoValue(root: JSONValue(parsing: text), subject: "network config").object(Self.fields)
    }

    /// The reader's error from `body` (nil when it succeeds; any other error is a test failure).
    func readError(_ body: () throws -> Void) -> GoReadError? {
        do {
            try body()
        } catch let error as GoReadError {
            return error
        } catch {
            Issue.record("unexpected \(error)")
        }
        return nil
    }

    // MARK: Keys

    @Test func keysFoldToFieldNamesAsciiCaseInsensitively() throws {
        #expect(try root(#"{"MTU":1400}"#)["mtu"].int() == 1400)
        #expect(try root(#"{"Mtu":1400}"#)["mtu"].int() == 1400)
        #expect(try root(#"{"mtux":1400}"#)["mtu"].int() == nil)
        #expect(try root(#"{"mt":1400}"#)["mtu"].int() == nil)
    }

    @Test func longSAndKelvinSignFoldOntoSAndK() throws {
        #expect(try root("{\"\u{212A}ind\":\"kelvin\",\"\u{17F}x\":\"long s\"}")["kind"].string() == "kelvin")
        #expect(try root("{\"\u{17F}x\":\"long s\"}")["sx"].string() == "long s")
        // No other Unicode folding: "ı" (dotless i) is not "i", "ſ" is not "t".
        #expect(try root("{\"k\u{131}nd\":\"x\"}")["kind"].string() == nil)
        #expect(try root("{\"\u{17F}\":1}")["mtu"].int() == nil)
        #expect(GoFold.equal("\u{212A}IND", "kind"))
        #expect(!GoFold.equal("\u{212A}", "x"))
        #expect(!GoFold.equal("ki", "kind"))
    }

    @Test func exactNameWinsOverAFoldedOne() throws {
        // "NAME" is a field of its own; "Name" and "nAmE" fold to the first field, "name".
        let o = try root(#"{"NAME":"a","Name":"b","nAmE":"c"}"#)
        #expect(try o["name"].string() == "c")
        #expect(try o["NAME"].string() == "a")
        #expect(GoFields(["Name", "name"]).field(forKey: "NAME") == "Name")
        #expect(GoFields(["Name", "name"]).field(forKey: "name") == "name")
    }

    @Test func lastMemberWinsWhateverItsSpelling() throws {
        #expect(try root(#"{"mtu":1,"MTU":2}"#)["mtu"].int() == 2)
        #expect(try root(#"{"MTU":2,"mtu":1}"#)["mtu"].int() == 1)
    }

    @Test func unknownKeysAreIgnored() throws {
        let o = try root(#"{"bogus":[1,{}],"mtu":5}"#)
        #expect(try o["mtu"].int() == 5)
    }

    // MARK: null

    @Test func nullLeavesScalarsAndStructsAndResetsTheRest() throws {
        #expect(try root(#"{"mtu":null}"#)["mtu"].int() == nil)
        #expect(try root(#"{"mtu":5,"mtu":null}"#)["mtu"].int() == 5)
        #expect(try root(#"{"flag":null}"#)["flag"].bool() == nil)
        #expect(try root(#"{"sub":{"a":1},"sub":null}"#)["sub"].object(Self.sub)["a"].int() == 1)
        #expect(try root(#"{"psub":{"a":1},"psub":null}"#)["psub"].pointee == nil)
        #expect(try root(#"{"m":{"a":1},"m":null}"#)["m"].map() == nil)
        #expect(try root(#"{"i":{"a":1},"i":null}"#)["i"].any() == nil)
        #expect(try root(#"{"str":["a"],"str":null}"#)["str"].strings() == nil)
        #expect(try root(#"{"ip":"10.0.0.1","ip":null}"#)["ip"].ip() == nil)
    }

    @Test func pointerToScalarResetsOnNull() throws {
        let o = try root(#"{"sub":{"b":1},"sub":{"b":null}}"#)["sub"].object(Self.sub)
        #expect(try o["b"].pointee?.int() == nil)
        let p = try root(#"{"sub":{"b":null},"sub":{"B":2}}"#)["sub"].object(Self.sub)
        #expect(try p["b"].pointee?.int() == 2)
    }

    // MARK: Repeated members by kind

    @Test func repeatedObjectsMergeIntoAStruct() throws {
        let o = try root(#"{"sub":{"a":1},"Sub":{"s":"x"}}"#)["sub"].object(Self.sub)
        #expect(try o["a"].int() == 1)
        #expect(try o["s"].string() == "x")
        // Through a pointer too, but only since its last null.
        let p = try root(#"{"psub":{"a":1},"psub":null,"psub":{"s":"x"}}"#)["psub"].pointee?.object(Self.sub)
        #expect(try p?["a"].int() == nil)
        #expect(try p?["s"].string() == "x")
    }

    @Test func repeatedObjectsAccumulateInAMapWithExactKeys() throws {
        let m = try root(#"{"m":{"a":1,"A":2},"M":{"b":3,"a":4}}"#)["m"].map()
        var entries: [String: Int] = [:]
        var order: [String] = []
        try m?.forEach { key, v throws(GoReadError) in
            entries[key] = try v.int() ?? 0
            order.append(key)
        }
        #expect(order == ["a", "A", "b", "a"])
        #expect(entries == ["a": 4, "A": 2, "b": 3])
        #expect(m?.object == ["a": 4, "A": 2, "b": 3])
        #expect(try m?["a"].int() == 4)
        #expect(try m?["B"].int() == nil)
        let reset = try root(#"{"m":{"a":1},"m":null,"m":{"b":2}}"#)["m"].map()
        #expect(reset?.object == ["b": 2])
        // An overridden map value is still type-checked.
        let bad = try root(#"{"m":{"a":"x","a":1}}"#)["m"].map()
        #expect(readError { try bad?.forEach { _, v throws(GoReadError) in _ = try v.int() } }?.code == .type)
    }

    @Test func interfaceTakesTheLastValueWhole() throws {
        #expect(try root(#"{"i":{"a":1},"i":{"b":2}}"#)["i"].any() == ["b": 2])
    }

    @Test func aRepeatedArrayReplacesTheSliceLength() throws {
        #expect(try root(#"{"str":["a","b"],"str":["c"]}"#)["str"].strings() == ["c"])
        #expect(try root(#"{"str":["a","b"],"str":[]}"#)["str"].strings() == [])
        // null into an existing string element leaves it.
        #expect(try root(#"{"str":["a","b"],"str":[null]}"#)["str"].strings() == ["a"])
    }

    /// Go decodes a repeated array over the slice it holds, element by element, as long as the
    /// backing array keeps the old element (host-local's `ranges` merges this way in Debian's 1.1.1).
    @Test func aRepeatedArrayDecodesOverTheElementsGoStillHolds() throws {
        func read(_ text: String) throws -> [String] {
            try (root(text)["l"].slice() ?? []).map { e in
                let o = try e.object(Self.sub)
                return "\(try o["a"].int() ?? 0)\(try o["s"].string() ?? "")"
            }
        }
        #expect(try read(#"{"l":[{"a":1},{"a":2}],"l":[{"s":"x"}]}"#) == ["1x"])
        // Shrunk to one, then grown again within the capacity: element 1 is the old one.
        #expect(try read(#"{"l":[{"a":1},{"a":2}],"l":[{"s":"x"}],"l":[{"s":"y"},{"s":"z"}]}"#) == ["1y", "2z"])
        // Growth past the capacity (4) copies only the live elements.
        let grown = #"{"l":[{"a":1},{"a":2}],"l":[{"s":"x"}],"l":[{"s":"a"},{"s":"b"},{"s":"c"},{"s":"d"},{"s":"e"}]}"#
        #expect(try read(grown) == ["1a", "2b", "0c", "0d", "0e"])
        #expect(try read(#"{"l":[{"a":1},{"a":2},{"a":3},{"a":4},{"a":5}],"l":[{"s":"x"}],"l":[{"s":"a"},{"s":"b"},{"s":"c"},{"s":"d"},{"s":"e"},{"s":"f"},{"s":"g"}]}"#)
            == ["1a", "2b", "3c", "4d", "5e", "0f", "0g"])
        // An empty array or null starts afresh.
        #expect(try read(#"{"l":[{"a":1}],"l":[],"l":[{"s":"x"}]}"#) == ["0x"])
        #expect(try read(#"{"l":[{"a":1}],"l":null,"l":[{"s":"x"}]}"#) == ["0x"])
        // Slices of pointers reuse the pointee.
        let p = try root(#"{"pl":[{"a":1}],"pl":[{"s":"x"}]}"#)["pl"].slice()?.first?.pointee?.object(Self.sub)
        #expect(try p?["a"].int() == 1)
        #expect(try p?["s"].string() == "x")
    }

    /// Types with their own `UnmarshalJSON` that decode into a fresh value (`types.Route`, the
    /// result `IPConfig`s) replace the element instead: host-local's `routes` twice keeps no `gw`
    /// of the first array (Debian's 1.1.1 answers `[{"dst":"10.3.0.0/16"}]`).
    @Test func typesThatDecodeThemselvesReplaceWhole() throws {
        let text = #"{"l":[{"dst":"10.1.0.0/16","gw":"10.0.0.1"},{"dst":"10.2.0.0/16"}],"l":[{"dst":"10.3.0.0/16"}]}"#
        let routes = try (root(text)["l"].slice() ?? []).map { try CNIResult.Route($0.pointee!) }
        #expect(routes == [CNIResult.Route(dst: IPNetwork("10.3.0.0/16")!)])
        // Every value stored is still decoded: a bad earlier one fails.
        #expect(readError { _ = try root(#"{"l":[{"dst":5}],"l":[{"dst":"10.3.0.0/16"}]}"#)["l"].slice()?.map { try CNIResult.Route($0) } }?.code == .type)
        let result = try CNIResult(
            json: JSONValue(parsing: #"{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24","gateway":"10.0.0.1"}],"ips":[{"address":"10.0.0.3/24"}]}"#))
        #expect(result.ips.map(\.gateway) == [nil])
    }

    // MARK: Numbers

    @Test func integersTakeIntegerLiteralsOnly() throws {
        for literal in ["1.0", "1e3", "1E3", "0.5"] {
            let e = readError { _ = try root(#"{"mtu":\#(literal)}"#)["mtu"].int() }
            #expect(e == GoReadError(.type, #"network config: "mtu" must be an integer, found \#(literal)"#))
        }
        #expect(try root(#"{"mtu":-0}"#)["mtu"].int() == 0)
        #expect(try root(#"{"f":1e3}"#)["f"].float() == 1000)
        #expect(try root(#"{"f":1e-400}"#)["f"].float() == 0)
        #expect(readError { _ = try root(#"{"f":1e400}"#)["f"].float() }?.code == .type)
    }

    @Test func integersMustFitTheGoType() throws {
        // Go `int` is 64 bits: 4294968696 is an int (the reference then wraps it to 1400 in netlink).
        #expect(try root(#"{"mtu":4294968696}"#)["mtu"].int() == 4_294_968_696)
        #expect(readError { _ = try root(#"{"mtu":9223372036854775808}"#)["mtu"].int() }?.code == .type)
        #expect(try root(#"{"u8":255}"#)["u8"].int(UInt8.self) == 255)
        #expect(readError { _ = try root(#"{"u8":256}"#)["u8"].int(UInt8.self) }
            == GoReadError(.type, #"network config: "u8" must be a non-negative integer, found 256"#))
        #expect(readError { _ = try root(#"{"u8":-1}"#)["u8"].int(UInt8.self) }?.code == .type)
        #expect(readError { _ = try root(#"{"u8":-0}"#)["u8"].int(UInt8.self) }?.code == .type)
    }

    // MARK: Types

    @Test func typeErrorsNameThePathAsWritten() throws {
        #expect(readError { _ = try root(#"{"MTU":"x"}"#)["mtu"].int() }
            == GoReadError(.type, #"network config: "MTU" must be an integer, found a string"#))
        #expect(readError { _ = try root(#"{"sub":{"A":true}}"#)["sub"].object(Self.sub)["a"].int() }
            == GoReadError(.type, #"network config: "sub.A" must be an integer, found a boolean"#))
        #expect(readError { _ = try root(#"{"sub":5}"#)["sub"].object(Self.sub) }
            == GoReadError(.type, #"network config: "sub" must be an object, found a number"#))
        #expect(readError { _ = try root(#"{"l":{"a":1}}"#)["l"].slice() }
            == GoReadError(.type, #"network config: "l" must be an array, found an object"#))
        #expect(readError { _ = try root(#"{"str":["a",1]}"#)["str"].strings() }
            == GoReadError(.type, #"network config: "str.1" must be a string, found a number"#))
        #expect(readError { _ = try GoValue(root: [1], subject: "network config").object(Self.fields) }
            == GoReadError(.type, "network config must be an object, found an array"))
    }

    @Test func anOverriddenValueIsStillTypeChecked() throws {
        #expect(readError { _ = try root(#"{"mtu":"x","mtu":5}"#)["mtu"].int() }?.code == .type)
        #expect(readError { _ = try root(#"{"sub":5,"sub":{}}"#)["sub"].object(Self.sub) }?.code == .type)
        #expect(readError { _ = try root(#"{"l":5,"l":[]}"#)["l"].slice() }?.code == .type)
    }

    @Test func booleansAlsoReadFromTrueAndFalseStrings() throws {
        #expect(try root(#"{"flag":"true"}"#)["flag"].bool() == true)
        #expect(try root(#"{"flag":"FALSE"}"#)["flag"].bool() == false)
        #expect(readError { _ = try root(#"{"flag":"yes"}"#)["flag"].bool() }
            == GoReadError(.type, #"network config: "flag" must be a boolean, found "yes""#))
        #expect(readError { _ = try root(#"{"flag":1}"#)["flag"].bool() }
            == GoReadError(.type, #"network config: "flag" must be a boolean, found a number"#))
    }

    // MARK: Addresses

    @Test func ipAddressesReadAsGoNetIP() throws {
        #expect(try root(#"{"ip":"10.1.2.3"}"#)["ip"].ip() == IPAddress("10.1.2.3"))
        #expect(try root(#"{"ip":""}"#)["ip"].ip() == nil)
        #expect(try root(#"{"ip":"10.1.2.3","ip":""}"#)["ip"].ip() == nil)
        #expect(readError { _ = try root(#"{"ip":"bad"}"#)["ip"].ip() }
            == GoReadError(.value, #"network config: "ip": invalid IP address: bad"#))
        #expect(readError { _ = try root(#"{"ip":5}"#)["ip"].ip() }?.code == .type)
    }

    @Test func cidrsReadAsCNITypesIPNet() throws {
        #expect(try root(#"{"cidr":"10.1.2.3/24"}"#)["cidr"].cidr()?.description == "10.1.2.3/24")
        for bad in [#""""#, "null"] {
            #expect(readError { _ = try root(#"{"cidr":\#(bad)}"#)["cidr"].cidr() }
                == GoReadError(.value, #"network config: "cidr": invalid CIDR address: "#))
        }
        #expect(try root(#"{"cidr":null}"#)["cidr"].pointee?.cidr() == nil)
        #expect(GoReadError(.value, "x").cniError.code == .invalidNetworkConfig)
        #expect(GoReadError(.type, "x").cniError.code == .decodingFailure)
    }

    // MARK: A whole config

    /// A config shaped like bridge's with host-local's ranges, read field by field.
    @Test func readsATypedConfigWhole() throws {
        let fields: GoFields = ["name", "bridge", "mtu", "isGateway", "ranges", "mac", "ipam", "ratio", "tags"]
        let range: GoFields = ["subnet", "gateway"]
        let json = try JSONValue(parsing: """
            {"name":"net","bridge":"cni0","mtu":1500,"isGateway":true,
             "ranges":[[{"subnet":"10.1.2.3/24","gateway":"10.1.2.1"}]],
             "mac":"0A:58:0a:01:02:03","ipam":{"type":"host-local","x":[1.50]},
             "ratio":0.5,"tags":{"a":"b"},"unknown":42}
            """)
        let o = try GoValue(root: json, subject: "network config").object(fields)
        #expect(try o["name"].string() == "net")
        #expect(try o["mtu"].int() == 1500)
        #expect(try o["isGateway"].bool() == true)
        let first = try o["ranges"].slice()?.first?.slice()?.first?.object(range)
        #expect(try first?["subnet"].cidr()?.description == "10.1.2.3/24")  // host bits kept, as types.IPNet
        #expect(try first?["gateway"].ip() == IPAddress("10.1.2.1"))
        #expect(try o["mac"].string().flatMap(MACAddress.init)?.description == "0a:58:0a:01:02:03")
        // interface{} passes the value on untouched, literals included.
        #expect(o["ipam"].any() == ["type": "host-local", "x": [.number(JSONNumber(literal: "1.50")!)]])
        #expect(try o["ratio"].float() == 0.5)
        #expect(try o["tags"].map()?["a"].string() == "b")
        // Absent fields read as unset.
        #expect(try o["bridge"].string() == "cni0" && o["ipam"].isAbsent == false && GoObject([:], fields: fields, subject: "x")["mtu"].isAbsent)
        // What Go refuses, the reader refuses: 1500.0 is not an int.
        #expect(readError { _ = try GoValue(root: JSONValue(parsing: #"{"mtu":1500.0}"#), subject: "network config").object(fields)["mtu"].int() }?.code == .type)
        let bad = try JSONValue(parsing: #"{"ranges":[[{"subnet":"10.1.2.300/24"}]]}"#)
        #expect(readError {
            _ = try GoValue(root: bad, subject: "network config").object(fields)["ranges"].slice()?.first?.slice()?.first?.object(range)["subnet"].cidr()
        } == GoReadError(.value, #"network config: "ranges.0.0.subnet": invalid CIDR address: 10.1.2.300/24"#))
    }

    // MARK: Embedding

    @Test func embeddedFieldsComeFirstAndTheOuterOnesWin() {
        let outer = GoFields(["a", "b"]) + ["c", "b"]
        #expect(outer.names == ["a", "c", "b"])
    }
}
