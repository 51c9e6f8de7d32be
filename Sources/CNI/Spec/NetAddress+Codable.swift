import NetAddress

// Addresses in CNI JSON are strings, parsed and printed as Go's `net` package does: "10.1.2.3",
// "10.1.2.3/24" (host bits kept, as types.IPNet keeps them), "aa:bb:cc:dd:ee:ff". With these,
// plugin config structs can declare `var subnet: IPNetwork` and decode with JSONValueDecoder.

/// A value written in JSON as its text form; `what` names it in decoding errors as Go does
/// ("invalid CIDR address: x").
protocol JSONTextValue: Codable, LosslessStringConvertible {
    static var what: String { get }
}

extension JSONTextValue {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid \(Self.what): \(text)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension IPAddress: JSONTextValue { static let what = "IP address" }
extension IPNetwork: JSONTextValue { static let what = "CIDR address" }
extension MACAddress: JSONTextValue { static let what = "MAC address" }
