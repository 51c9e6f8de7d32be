import DomainErrors
/// A CNI spec version, parsed and compared as libcni does (`version.ParseVersion`): `X`, `X.Y`
/// or `X.Y.Z` with missing parts 0, and the empty string meaning 0.1.0 (a config without
/// `cniVersion` predates the key).
///
/// Whether a plugin *supports* a config is decided on the exact string, as skel does, so keep the
/// config's text around; this type is for ordering ("is this at least 0.4.0?").
public struct CNIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(_ major: Int, _ minor: Int, _ patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Parses `text`; "" is 0.1.0. Errors carry libcni's messages
    /// (`invalid version "1.2.3.4": too many parts`, `failed to convert minor version part "x": …`).
    public init(parsing text: String) throws(CNIVersionError) {
        if text.isEmpty {
            self = .v0_1_0
            return
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count < 4 else { throw CNIVersionError("invalid version \"\(text)\": too many parts") }
        let names = ["major", "minor", "micro"]
        var numbers = [0, 0, 0]
        for (n, part) in parts.enumerated() {
            numbers[n] = try Self.atoi(part, names[n])
        }
        self.init(numbers[0], numbers[1], numbers[2])
    }

    /// `strconv.Atoi`: optional sign, then decimal digits.
    private static func atoi(_ part: Substring, _ name: String) throws(CNIVersionError) -> Int {
        var digits = part.utf8[...]
        if let first = digits.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") { digits = digits.dropFirst() }
        let syntaxOK = !digits.isEmpty && digits.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        guard syntaxOK else {
            throw CNIVersionError("failed to convert \(name) version part \"\(part)\": strconv.Atoi: parsing \"\(part)\": invalid syntax")
        }
        guard let value = Int(part.hasPrefix("+") ? String(part.dropFirst()) : String(part)) else {
            throw CNIVersionError("failed to convert \(name) version part \"\(part)\": strconv.Atoi: parsing \"\(part)\": value out of range")
        }
        return value
    }

    public var description: String { "\(major).\(minor).\(patch)" }

    public static func < (a: CNIVersion, b: CNIVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }

    public static let v0_1_0 = CNIVersion(0, 1, 0)
    public static let v0_2_0 = CNIVersion(0, 2, 0)
    public static let v0_3_0 = CNIVersion(0, 3, 0)
    public static let v0_3_1 = CNIVersion(0, 3, 1)
    public static let v0_4_0 = CNIVersion(0, 4, 0)
    public static let v1_0_0 = CNIVersion(1, 0, 0)
    public static let v1_1_0 = CNIVersion(1, 1, 0)

    /// The newest spec this package implements (libcni's `version.Current()`).
    public static let current = v1_1_0

    /// Every version this package reads and writes, oldest first (libcni's `version.All`).
    public static let all: [CNIVersion] = [v0_1_0, v0_2_0, v0_3_0, v0_3_1, v0_4_0, v1_0_0, v1_1_0]

    /// ``all`` as the strings a VERSION reply lists.
    public static let allStrings: [String] = all.map(\.description)

    /// True when `a` parses to at least `b` (libcni's `GreaterThanOrEqualTo`).
    public static func isAtLeast(_ a: String, _ b: CNIVersion) throws(CNIVersionError) -> Bool {
        try CNIVersion(parsing: a) >= b
    }
}

/// A version string that does not parse.
public struct CNIVersionError: DomainError, Sendable, Hashable {
    public var message: String
    public init(_ message: String) { self.message = message }
    /// A decoding failure (code 6), as skel reports an unparseable config version.
    public var kind: ErrorKind { .decoding }
}
